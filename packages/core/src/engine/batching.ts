import { DEFAULTS } from '../defaults.js'
import type { RunSyncOptions } from './types.js'

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

/** Records per commit group: about `commitSize` (5,000 by default), a whole number of requests. */
export function commitRecords(options: RunSyncOptions): number {
  const size = batchSize(options)
  const wanted = options.commitSize ?? DEFAULTS.commitRecords
  return Math.max(size, Math.floor(wanted / size) * size)
}
