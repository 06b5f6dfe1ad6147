/**
 * The Sheets API's per-minute quotas, counted as Google does per user and per project, separately
 * for reads and writes: 60 requests a minute per user, 300 per project, each. The window is a
 * setting so tests need not wait a real minute.
 */
export interface FakeQuota {
  readPerUser: number
  readPerProject: number
  writePerUser: number
  writePerProject: number
  windowMs: number
}

export const GOOGLE_QUOTA: FakeQuota = {
  readPerUser: 60,
  readPerProject: 300,
  writePerUser: 60,
  writePerProject: 300,
  windowMs: 60_000,
}

/** Request times per key within the last window: no span of `windowMs` holds more than the limit. */
export class QuotaWindows {
  private readonly starts = new Map<string, number[]>()

  constructor(readonly quota: FakeQuota) {}

  /** Counts one request against each key, or answers the first limit it would pass (counting nothing). */
  take(keys: Array<{ key: string; limit: number; metric: string }>, now = Date.now()): string | undefined {
    for (const { key, limit, metric } of keys) {
      const times = this.starts.get(key) ?? []
      while (times.length > 0 && now - times[0]! >= this.quota.windowMs) times.shift()
      this.starts.set(key, times)
      if (times.length >= limit) return metric
    }
    for (const { key } of keys) this.starts.get(key)!.push(now)
    return undefined
  }

  reset(): void {
    this.starts.clear()
  }
}
