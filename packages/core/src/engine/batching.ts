import { DEFAULTS } from '../defaults.js'
import type { RunSyncOptions } from './types.js'

/**
 * Every batching and concurrency knob of a run, in one place: records per request and requests in
 * flight (the destination's limits, lowered by the sync's \`batching\`), records per commit group, how
 * many groups may be open at once, and rows per chunk read from the source (\`DEFAULTS\`).
 */

/**
 * How many answered commit groups may wait to be committed before sending waits for them: commits
 * run beside the sending, and this keeps them from falling ever further behind it.
 */
export const COMMITS_WAITING = 3

/** Records per request: the sync's batch size, never above what the destination accepts. */
export function batchSize(options: RunSyncOptions): number {
  const max = options.destinationCapabilities.batchSize
  return Math.max(1, Math.min(options.sync.batching?.size ?? max, max))
}

/** Requests in flight: the sync's setting, never above the destination's. */
export function concurrency(options: RunSyncOptions): number {
  const max = options.destinationCapabilities.concurrency
  return Math.max(1, Math.min(options.sync.batching?.concurrency ?? max, max))
}

/** The most records a commit group holds: about `commitSize`, a whole number of requests. */
export function commitRecords(options: RunSyncOptions): number {
  const size = batchSize(options)
  const wanted = options.commitSize ?? DEFAULTS.commitRecords
  return Math.max(size, Math.floor(wanted / size) * size)
}

/** The longest a commit group collects answers before it commits. */
export function commitIntervalMs(options: RunSyncOptions): number {
  return Math.max(0, options.commitIntervalMs ?? DEFAULTS.commitIntervalMs)
}
