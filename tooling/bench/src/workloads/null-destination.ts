import { BEHAVIOURS, type Destination, defineDestination, succeeded } from '@sluice/core/contract'

/** What the null destination has been asked to do, so a figure can say how many requests a run sent. */
export interface NullDestinationStats {
  requests: number
  records: number
}

/**
 * A destination that acknowledges every record at once: what is left of a run's time is the engine's
 * own cost (query, hash, diff, map, batch, commit, tracking). Batches of 1,000 with 4 in flight, the
 * shape of a bulk API; its config is an empty JSON Schema object (there is nothing to configure).
 */
export const nullDestination = defineDestination({
  name: 'null',
  config: { type: 'object', properties: {}, additionalProperties: false },
  capabilities: { behaviours: BEHAVIOURS, batchSize: 1000, concurrency: 4 },
  connect: () => createNullDestination(),
})

export function createNullDestination(): Destination & { stats: NullDestinationStats } {
  const stats: NullDestinationStats = { requests: 0, records: 0 }
  return {
    stats,
    async check() {},
    async discover() {
      return { objects: [{ name: 'records', fields: [] }] }
    },
    async write(batch) {
      stats.requests += 1
      stats.records += batch.records.length
      return batch.records.map(() => succeeded)
    },
  }
}
