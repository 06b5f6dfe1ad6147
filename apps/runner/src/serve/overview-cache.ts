import type { SyncOverview } from '@sluice/core'
import type { ServeHost } from './host.js'

/**
 * How long one read of the ledger's overview answers for: loads within it (several open pages, their
 * refreshes) share it. A run that starts or ends here is seen at once; one that another process (a
 * `sluice run` beside the server) writes is seen within this time.
 */
export const OVERVIEW_TTL_MS = 1000

interface Cached {
  at: number
  /** the runs in flight and waiting when it was read */
  key: string
  value: Promise<SyncOverview[]>
}

const cache = new WeakMap<ServeHost, Cached>()

function inFlight(host: ServeHost): string {
  return host.scheduler
    .schedules()
    .map((s) => `${s.running?.runId ?? ''}/${s.queued?.runId ?? ''}`)
    .join(',')
}

/**
 * The ledger's overview of every sync (health and last run), read once per OVERVIEW_TTL_MS and again
 * as soon as a run starts, is queued or ends on this server.
 */
export function syncOverview(host: ServeHost, now = Date.now()): Promise<SyncOverview[]> {
  const key = inFlight(host)
  const cached = cache.get(host)
  if (cached && cached.key === key && now - cached.at < OVERVIEW_TTL_MS) return cached.value
  const value = host.ledger.overview()
  cache.set(host, { at: now, key, value })
  // a failed read is not kept
  value.catch(() => {
    if (cache.get(host)?.value === value) cache.delete(host)
  })
  return value
}
