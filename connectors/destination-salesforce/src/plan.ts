import { type RecordResult, rejected, succeeded, type Value, type WriteBatch } from '@sluice/core/contract'
import type { SalesforceApi } from './api.js'
import type { SObjectDescribe } from './describe.js'
import type { Matching } from './validate.js'

/** The DML Salesforce runs: the names Bulk API 2.0 uses. */
export type SalesforceOperation = 'insert' | 'update' | 'upsert' | 'delete'

/** One record as it will be sent: the batch position, the key results are matched by, the fields. */
export interface PlannedRecord {
  index: number
  /** the external ID value (upsert, insert) or the record Id (update, delete) */
  key: string
  fields: Record<string, Value>
}

export interface Plan {
  object: string
  operation: SalesforceOperation
  /** upsert only: the external ID field named in the request */
  externalIdField?: string
  /** the column of the key: the external ID field, or `Id` */
  keyField: string
  records: PlannedRecord[]
  /** results already known without sending (Id lookups that found nothing) */
  settled: Map<number, RecordResult>
}

/** Characters of quoted values per lookup query, keeping the GET URL far below its 16 KB limit. */
const LOOKUP_CHARS = 6_000

/**
 * Turns a batch into Salesforce DML. Upsert by an external ID is native; upsert by Id is an update
 * (a record with an Id exists by definition). Updates, clears and deletes by an external ID need the
 * records' Ids first, found with one SOQL query per few hundred values: an update of a record that is
 * not there is rejected; a delete of a record that is not there has nothing left to do.
 */
export async function planBatch(
  api: SalesforceApi,
  batch: WriteBatch,
  describe: SObjectDescribe,
  matching: Matching,
  signal?: AbortSignal,
): Promise<Plan> {
  const object = describe.name
  const settled = new Map<number, RecordResult>()
  const payloads = batch.records.map((r) => payloadFor(r.fields, batch, describe, matching))
  const byIdentifier = (
    operation: SalesforceOperation,
    keyField: string,
    externalIdField?: string,
  ): Plan => ({
    object,
    operation,
    keyField,
    ...(externalIdField ? { externalIdField } : {}),
    records: batch.records.map((r, index) => ({ index, key: r.identifier, fields: payloads[index]! })),
    settled,
  })

  if (batch.operation === 'upsert' && matching.kind === 'externalId')
    return byIdentifier('upsert', matching.field, matching.field)
  if (batch.operation === 'create') return byIdentifier('insert', batch.identifierField)
  const operation: SalesforceOperation = batch.operation === 'delete' ? 'delete' : 'update'
  if (matching.kind === 'id') return byIdentifier(operation, 'Id')

  const ids = await lookupIds(
    api,
    object,
    matching.field,
    batch.records.map((r) => r.identifier),
    signal,
  )
  const records: PlannedRecord[] = []
  batch.records.forEach((record, index) => {
    const id = ids.get(record.identifier) ?? ids.get(record.identifier.toLowerCase())
    if (id) records.push({ index, key: id, fields: payloads[index]! })
    else if (operation === 'delete') settled.set(index, succeeded)
    else settled.set(index, rejected(`no ${object} record has ${matching.field} = "${record.identifier}"`))
  })
  return { object, operation, keyField: 'Id', records, settled }
}

/**
 * The fields to send. The identifier travels as the key, not as a field, when it only selects the
 * record; `clear` nulls every mapped field that may be null (a required field keeps its value, as
 * Salesforce refuses to empty it).
 */
function payloadFor(
  fields: Record<string, Value>,
  batch: WriteBatch,
  describe: SObjectDescribe,
  matching: Matching,
): Record<string, Value> {
  if (batch.operation === 'delete') return {}
  const identifier = batch.identifierField.toLowerCase()
  const selectsOnly = matching.kind === 'id' || batch.operation === 'update' || batch.operation === 'clear'
  const out: Record<string, Value> = {}
  for (const [name, value] of Object.entries(fields)) {
    if (selectsOnly && name.toLowerCase() === identifier) continue
    if (batch.operation === 'clear') {
      const field = describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
      if (!field?.nillable) continue
      out[name] = null
    } else {
      out[name] = value
    }
  }
  return out
}

/** Finds record Ids by external ID: identifier (as given, and lower-cased) → Id. */
async function lookupIds(
  api: SalesforceApi,
  object: string,
  field: string,
  values: string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  const chunks: string[][] = [[]]
  let size = 0
  for (const value of values) {
    const quoted = soqlString(value)
    if (size + quoted.length > LOOKUP_CHARS && chunks.at(-1)!.length > 0) {
      chunks.push([])
      size = 0
    }
    chunks.at(-1)!.push(quoted)
    size += quoted.length + 1
  }
  await Promise.all(
    chunks
      .filter((c) => c.length > 0)
      .map(async (chunk) => {
        let path: string | undefined = `${api.dataPath}/query?q=${encodeURIComponent(
          `SELECT Id, ${field} FROM ${object} WHERE ${field} IN (${chunk.join(',')})`,
        )}`
        while (path) {
          const response: { body: { records: Array<Record<string, unknown>>; nextRecordsUrl?: string } } =
            await api.request({ method: 'GET', path, ...(signal ? { signal } : {}) })
          for (const row of response.body.records) {
            const value = row[field]
            if (typeof value !== 'string' || typeof row.Id !== 'string') continue
            found.set(value, row.Id)
            if (!found.has(value.toLowerCase())) found.set(value.toLowerCase(), row.Id)
          }
          path = response.body.nextRecordsUrl
        }
      }),
  )
  return found
}

/** A SOQL string literal: backslashes and quotes escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`
}
