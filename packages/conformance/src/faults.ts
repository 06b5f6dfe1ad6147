import type { FakeStats, Faults } from './types.js'

/**
 * Fault switches and counters for a fake. Transport faults are applied by the fake host; the helpers
 * below are what a fake's own handlers call, so every fake reads the switches the same way.
 */
export function createFaults(initial: Faults = {}): Faults {
  return { ...initial }
}

export function createFakeStats(): FakeStats {
  return { requests: 0, maxRecordsPerRequest: 0, rateLimited: 0 }
}

/** Clears every switch in place (fakes hand out the same object, so it is never replaced). */
export function clearFaults(faults: Faults): void {
  for (const key of Object.keys(faults) as Array<keyof Faults>) delete faults[key]
}

export function resetFakeStats(stats: FakeStats): void {
  stats.requests = 0
  stats.maxRecordsPerRequest = 0
  stats.rateLimited = 0
}

/**
 * Whether this request's token is to be treated as expired: true once per `faults.expireTokens`, which
 * it consumes, so the client's refreshed token works on the next request.
 */
export function takeExpiredToken(faults: Faults): boolean {
  if (!faults.expireTokens) return false
  faults.expireTokens = false
  return true
}

/** The reason to reject this record with, when `faults.rejectWhere` picks it. */
export function rejectionFor(faults: Faults, record: Record<string, unknown>): string | undefined {
  return faults.rejectWhere?.(record)
}

/** Records the size of one request, for `maxRecordsPerRequest` (handlers count `requests` themselves). */
export function trackRequest(stats: FakeStats, recordCount: number): void {
  stats.maxRecordsPerRequest = Math.max(stats.maxRecordsPerRequest, recordCount)
}
