import {
  type Catalog,
  type ConnectorContext,
  type Destination,
  defineDestination,
  mapConcurrently,
  Semaphore,
  SluiceError,
} from '@sluice/core/contract'
import { createSalesforceApi, type SalesforceApi, type SalesforceApiOptions } from './api.js'
import { type ResolvedSalesforceConfig, resolveConfig, SalesforceConfig } from './config.js'
import { toCatalogObject } from './describe.js'
import { matchingFor, validateRecords } from './validate.js'
import { describeOrFail, type WritePath, writeBatch } from './write.js'

const BEHAVIOURS = ['upsert', 'update', 'create', 'mirror', 'delete'] as const

/**
 * The most records the engine hands over at once. Large on purpose: the connector picks its write
 * path from a batch's size, and a run of up to this many changes arrives as one batch, so "more than
 * bulkThreshold records in a run" is seen whole. Collections requests of 200 are cut from it.
 */
export const BATCH_SIZE = 10_000

/** Options for tests and embedding, beyond the user's settings. */
export interface SalesforceConnectOptions extends SalesforceApiOptions {
  /** an API to use instead of creating one */
  api?: SalesforceApi
  /** told which path each batch took and how many records it sent */
  onPath?: (path: WritePath, records: number) => void
}

/** Connects with extra options; `salesforce.connect` is this without them. */
export function connectSalesforce(
  rawConfig: SalesforceConfig,
  ctx: Pick<ConnectorContext, 'log' | 'retryBudget'>,
  options: SalesforceConnectOptions = {},
): Destination {
  const config: ResolvedSalesforceConfig = resolveConfig(rawConfig)
  let api = options.api
  const retry = { ...options.retry, ...(ctx.retryBudget ? { budget: ctx.retryBudget } : {}) }
  const client = () => (api ??= createSalesforceApi(config, { log: ctx.log, ...options, retry }))
  // One limiter per connection: engine concurrency × chunks per batch stays within collectionsConcurrency.
  const collectionsLimiter = new Semaphore(config.collectionsConcurrency)
  const settings = {
    bulkThreshold: config.bulkThreshold,
    bulk: {
      pollIntervalMs: config.bulkPollIntervalMs,
      maxPollIntervalMs: config.bulkMaxPollIntervalMs,
      timeoutMs: config.bulkTimeoutMs,
    },
    collectionsLimiter,
  }

  return {
    async check({ signal }) {
      const response = await client().request<{ DailyApiRequests?: { Max: number; Remaining: number } }>({
        method: 'GET',
        path: `${client().dataPath}/limits`,
        signal,
      })
      const daily = response.body.DailyApiRequests
      if (daily && daily.Remaining <= 0) {
        throw new SluiceError(
          'rate_limited',
          `the org's daily API request allocation is spent (${daily.Max} a day).`,
          {
            code: 'API_ALLOCATION_SPENT',
            component: 'salesforce',
            retryable: false,
            hint: 'Run the sync later, once the rolling 24-hour window frees requests.',
          },
        )
      }
    },

    async discover({ signal }): Promise<Catalog> {
      const names =
        config.objects ??
        (await client().describeGlobal(signal))
          .filter((o) => o.createable && o.updateable && o.queryable)
          .map((o) => o.name)
      const objects = await mapConcurrently(
        config.collectionsConcurrency,
        names.map((name) => () => describeOrFail(client(), name, signal)),
      )
      return { objects: objects.map((d) => toCatalogObject(d, BEHAVIOURS)) }
    },

    async validate(batch, { signal }) {
      const describe = await describeOrFail(client(), batch.object, signal)
      return validateRecords(batch, describe, matchingFor(batch, describe))
    },

    write(batch, writeCtx) {
      return writeBatch(client(), batch, settings, writeCtx, options.onPath)
    },

    async close() {
      await api?.close()
    },
  }
}

/** Salesforce: any sObject, through sObject Collections for small changes and Bulk API 2.0 for large ones. */
export const salesforce = defineDestination({
  name: 'salesforce',
  config: SalesforceConfig,
  capabilities: {
    behaviours: BEHAVIOURS,
    deleteBehaviours: ['nothing', 'clear', 'delete'],
    batchSize: BATCH_SIZE,
    // Two batches in flight: a Bulk job can wait on Salesforce's queue while the next one uploads.
    concurrency: 2,
  },
  connect: (config, ctx) => connectSalesforce(config, ctx),
})
