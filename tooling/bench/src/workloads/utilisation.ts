import type { RateLimit } from '@sluice/core/contract'

/**
 * How much of a fixed-window quota a run used: requests accepted in each whole window of the run, as a
 * share of the quota, averaged. The windows are the server's (aligned to multiples of `perMs` since the
 * epoch, as the fake counts them); the run's first and last windows are partial and left out, so a run
 * that starts or ends mid-window is not penalised for it. Null when the run spans no whole window.
 */
export function utilisation(arrivals: ReadonlyArray<{ at: number; status: number }>, limit: RateLimit) {
  return quotaWindows(arrivals, limit)?.share ?? null
}

/** The whole windows of a run: the share of the quota used, and how many windows were full or empty. */
export function quotaWindows(arrivals: ReadonlyArray<{ at: number; status: number }>, limit: RateLimit) {
  if (arrivals.length === 0) return null
  const windowOf = (at: number) => Math.floor(at / limit.perMs)
  const first = windowOf(Math.min(...arrivals.map((a) => a.at)))
  const last = windowOf(Math.max(...arrivals.map((a) => a.at)))
  if (last - first < 2) return null
  const accepted = new Map<number, number>()
  for (const { at, status } of arrivals) {
    if (status < 200 || status >= 300) continue
    const window = windowOf(at)
    accepted.set(window, (accepted.get(window) ?? 0) + 1)
  }
  let used = 0
  let full = 0
  let empty = 0
  for (let window = first + 1; window < last; window++) {
    const n = accepted.get(window) ?? 0
    used += n
    if (n >= limit.requests) full += 1
    if (n === 0) empty += 1
  }
  const windows = last - first - 1
  return { share: used / (windows * limit.requests), windows, full, empty }
}
