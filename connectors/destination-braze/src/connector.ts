import { type DestinationCapabilities, defineDestination } from '@sluice/core/contract'
import { type BrazeApiOptions, createBrazeApi } from './api.js'
import { brazeCatalog } from './catalog.js'
import { BrazeConfigSchema, DOCUMENTED_RATE_LIMITS, resolveConfig } from './config.js'
import { PreparedBatches, validateBatch, writeBatch } from './write.js'

/**
 * What Braze can do faithfully. Users: upsert, update-only, mirror (clear fields or delete profiles) and
 * delete; events: append. Create-only is not offered: Braze has no "create if absent, else leave alone"
 * for attributes, so it could only be imitated with a read before every write.
 */
export const brazeCapabilities: DestinationCapabilities = {
  behaviours: ['upsert', 'update', 'mirror', 'delete'],
  objects: {
    users: {
      behaviours: ['upsert', 'update', 'mirror', 'delete'],
      description: 'user profiles: attributes, nested custom attributes, subscription group states',
    },
    events: { behaviours: ['append'], description: 'custom events, appended to profiles' },
  },
  deleteBehaviours: ['nothing', 'clear', 'delete'],
  // One write is one /users/track request of up to 75 objects (two /users/delete requests of up to 50).
  batchSize: 75,
  concurrency: 16,
  rateLimit: DOCUMENTED_RATE_LIMITS.track,
  syncAllProperties: true,
}

/** Creates the Braze destination; `api` options let tests and proxies hand in a dispatcher. */
export function createBrazeDestination(apiOptions: BrazeApiOptions = {}) {
  return defineDestination({
    name: 'braze',
    config: BrazeConfigSchema,
    capabilities: brazeCapabilities,
    connect(rawConfig, ctx) {
      const config = resolveConfig(rawConfig)
      const retry = { ...apiOptions.retry, ...(ctx.retryBudget ? { budget: ctx.retryBudget } : {}) }
      const api = createBrazeApi(config, { log: ctx.log, ...apiOptions, retry })
      const prepared = new PreparedBatches()
      return {
        async check(callCtx) {
          // A read that changes nothing and needs only a valid key: the first page of custom attributes.
          await api.customAttributes(callCtx.signal, 1)
        },
        async discover(callCtx) {
          return brazeCatalog(await api.customAttributes(callCtx.signal))
        },
        async validate(batch) {
          return validateBatch(batch, config, prepared)
        },
        write(batch, callCtx) {
          return writeBatch(api, config, batch, callCtx, prepared)
        },
        close() {
          return api.close()
        },
      }
    },
  })
}

/** The Braze destination connector. */
export const braze = createBrazeDestination()
