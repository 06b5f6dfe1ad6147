import { type RecordResult, rejected, type Semaphore, SluiceError, succeeded } from '@sluice/core/contract'
import { bodyExcerpt, type HttpResponse } from '@sluice/core/http'
import type { SalesforceApi } from './api.js'
import type { Plan, PlannedRecord } from './plan.js'
import { toJsonValue } from './values.js'

/** sObject Collections take at most 200 records per request. */
export const COLLECTION_SIZE = 200

/** A SaveResult / UpsertResult / DeleteResult of sObject Collections. */
interface SaveResult {
  id?: string | null
  success: boolean
  created?: boolean
  errors?: Array<{ statusCode: string; message: string; fields?: string[] }>
}

/**
 * Sends a plan through sObject Collections: requests of at most 200 records with `allOrNone: false`,
 * so one bad record does not sink the others, at most `limiter`'s concurrency in flight. Salesforce
 * answers with one result per record in request order.
 */
export async function sendCollections(
  api: SalesforceApi,
  plan: Plan,
  limiter: Semaphore,
  results: RecordResult[],
  signal?: AbortSignal,
): Promise<void> {
  const chunks: PlannedRecord[][] = []
  for (let i = 0; i < plan.records.length; i += COLLECTION_SIZE)
    chunks.push(plan.records.slice(i, i + COLLECTION_SIZE))
  await Promise.all(
    chunks.map((chunk) =>
      limiter.run(async () => {
        const { answers, ambiguous } = await sendChunk(api, plan, chunk, signal)
        chunk.forEach((record, i) => {
          const answer = answers[i]!
          const result = resultOf(answer, plan.operation)
          if (!ambiguous || plan.operation !== 'insert') {
            results[record.index] = result
            return
          }
          // Collections take no idempotency key: an insert sent again after a lost answer may have
          // created the record twice, and says so. When the key field is unique, the second attempt
          // is refused as DUPLICATE_VALUE instead: the first one created the record.
          const createdBefore = (answer.errors ?? []).some(
            (e) => e.statusCode === 'DUPLICATE_VALUE' && e.message.includes(plan.keyField),
          )
          results[record.index] =
            result.status === 'succeeded'
              ? { status: 'succeeded', possiblyDuplicated: true }
              : createdBefore
                ? succeeded
                : result
        })
      }),
    ),
  )
}

async function sendChunk(
  api: SalesforceApi,
  plan: Plan,
  chunk: PlannedRecord[],
  signal?: AbortSignal,
): Promise<{ answers: SaveResult[]; ambiguous: boolean }> {
  const base = `${api.dataPath}/composite/sobjects`
  let ambiguous = false
  const withSignal = {
    ...(signal ? { signal } : {}),
    onRetry: (retry: { ambiguous: boolean }) => {
      ambiguous ||= retry.ambiguous
    },
  }
  if (plan.operation === 'delete') {
    const ids = chunk.map((r) => r.key).join(',')
    const response = await api.request<SaveResult[]>({
      method: 'DELETE',
      path: `${base}?ids=${encodeURIComponent(ids)}&allOrNone=false`,
      ...withSignal,
    })
    return { answers: saveResults(response, chunk.length), ambiguous }
  }
  const records = chunk.map((r) => {
    const body: Record<string, unknown> = { attributes: { type: plan.object } }
    if (plan.operation === 'update') body.id = r.key
    for (const [name, value] of Object.entries(r.fields)) body[name] = toJsonValue(value)
    // The key is the identifier's text, exactly as the snapshot and the Bulk path know it.
    if (plan.operation === 'upsert' || plan.operation === 'insert') body[plan.keyField] = r.key
    return body
  })
  const json = { allOrNone: false, records }
  const request =
    plan.operation === 'insert'
      ? { method: 'POST' as const, path: base, json }
      : plan.operation === 'update'
        ? { method: 'PATCH' as const, path: base, json }
        : {
            method: 'PATCH' as const,
            path: `${base}/${encodeURIComponent(plan.object)}/${encodeURIComponent(plan.externalIdField!)}`,
            json,
          }
  const response = await api.request<SaveResult[]>({ ...request, ...withSignal })
  return { answers: saveResults(response, chunk.length), ambiguous }
}

/**
 * The SaveResults of an answer, when it has Collections' documented shape: a JSON array with one
 * result per record sent, each with a boolean `success` (and `errors` as a list). Anything else (a
 * gateway's HTML page, an empty or cut body, another shape) acknowledges no record: the request fails.
 */
export function saveResults(response: HttpResponse, expected: number): SaveResult[] {
  const body = response.body
  let problem: string | undefined
  if (typeof body === 'string') problem = body.trim() === '' ? 'an empty body' : 'a body that is not JSON'
  else if (!Array.isArray(body)) problem = 'JSON that is not a list of results'
  else if (body.length !== expected) problem = `${body.length} results for ${expected} records`
  else {
    const bad = body.findIndex(
      (r) =>
        !r ||
        typeof r !== 'object' ||
        typeof r.success !== 'boolean' ||
        (r.errors !== undefined && r.errors !== null && !Array.isArray(r.errors)),
    )
    if (bad >= 0) problem = `result ${bad} without a boolean "success"`
  }
  if (problem === undefined) return body as SaveResult[]
  throw new SluiceError(
    'transient',
    `sObject Collections answered ${response.status} with ${problem}; no record of the request is taken as written: ${bodyExcerpt(response.text) || '(empty)'}`,
    {
      code: 'UNACKNOWLEDGED',
      component: 'salesforce',
      retryable: false,
      details: { status: response.status },
      hint: 'A proxy or gateway may be answering instead of Salesforce. The records are sent again by the next run.',
    },
  )
}

function resultOf(answer: SaveResult, operation: Plan['operation']): RecordResult {
  if (answer.success) return succeeded
  const errors = answer.errors ?? []
  // Deleting a record that is already deleted leaves the org as the sync wants it.
  if (
    operation === 'delete' &&
    errors.length > 0 &&
    errors.every((e) => e.statusCode === 'ENTITY_IS_DELETED')
  ) {
    return succeeded
  }
  return rejected(errorText(errors))
}

/** Salesforce's per-record errors as one reason: `STATUS_CODE: message (fields: A, B)`. */
export function errorText(errors: Array<{ statusCode: string; message: string; fields?: string[] }>): string {
  if (errors.length === 0) return 'Salesforce refused the record without saying why'
  return errors
    .map(
      (e) =>
        `${e.statusCode}: ${e.message}${e.fields && e.fields.length > 0 ? ` (fields: ${e.fields.join(', ')})` : ''}`,
    )
    .join('; ')
}
