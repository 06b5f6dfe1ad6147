import {
  type ConnectorContext,
  type RecordResult,
  rejected,
  type Semaphore,
  SluiceError,
  type WriteBatch,
} from '@sluice/core/contract'
import type { SalesforceApi } from './api.js'
import { type BulkSettings, sendBulk } from './bulk/ingest.js'
import { sendCollections } from './collections.js'
import type { SObjectDescribe } from './describe.js'
import { planBatch } from './plan.js'
import { matchingFor } from './validate.js'

export interface WriteSettings {
  /** more records than this to send: Bulk API 2.0; otherwise sObject Collections */
  bulkThreshold: number
  bulk: BulkSettings
  /** bounds the Collections requests in flight across every batch of the connection */
  collectionsLimiter: Semaphore
}

/** Which path a batch takes: recorded so tests and logs can tell. */
export type WritePath = 'collections' | 'bulk'

export async function describeOrFail(
  api: SalesforceApi,
  object: string,
  signal?: AbortSignal,
): Promise<SObjectDescribe> {
  const describe = await api.describe(object, signal)
  if (!describe) {
    throw new SluiceError(
      'config',
      `the org has no object "${object}" (or the integration user cannot see it).`,
      {
        code: 'UNKNOWN_OBJECT',
        component: 'salesforce',
        hint: 'Check the API name (custom objects end in __c) and the user’s object permissions.',
      },
    )
  }
  return describe
}

/** Applies a batch and returns one result per record in the batch's order. */
export async function writeBatch(
  api: SalesforceApi,
  batch: WriteBatch,
  settings: WriteSettings,
  ctx: ConnectorContext,
  onPath?: (path: WritePath, records: number) => void,
): Promise<RecordResult[]> {
  const { signal, log } = ctx
  const describe = await describeOrFail(api, batch.object, signal)
  const matching = matchingFor(batch, describe)
  const plan = await planBatch(api, batch, describe, matching, signal)
  const results: RecordResult[] = new Array(batch.records.length)
  for (const [index, result] of plan.settled) results[index] = result
  if (plan.records.length > 0) {
    const path: WritePath = plan.records.length > settings.bulkThreshold ? 'bulk' : 'collections'
    onPath?.(path, plan.records.length)
    log.debug(
      `salesforce: ${plan.operation} of ${plan.records.length} ${plan.object} records through ${path === 'bulk' ? 'Bulk API 2.0' : 'sObject Collections'}`,
    )
    if (path === 'bulk') await sendBulk(api, plan, settings.bulk, results, ctx)
    else await sendCollections(api, plan, settings.collectionsLimiter, results, signal)
  }
  for (let i = 0; i < results.length; i++) {
    results[i] ??= rejected('Salesforce reported no result for this record')
  }
  return results
}
