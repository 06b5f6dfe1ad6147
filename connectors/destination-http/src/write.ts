import {
  mapConcurrently,
  type OutboundRecord,
  type RecordResult,
  redact,
  rejected,
  SluiceError,
  type WriteBatch,
} from '@sluice/core/contract'
import type { HttpClient, HttpResponse } from '@sluice/core/http'
import {
  acknowledges,
  below,
  COMPONENT,
  isJson,
  isRequestFailure,
  refusal,
  requestError,
  sameValue,
  unacknowledged,
} from './api.js'
import type { HttpConfig, RequestTemplate } from './config.js'
import { lookup, render, renderText, type Scope } from './template.js'

/** What a write needs: the config, the client and the call's signal. */
export interface WriteContext {
  config: HttpConfig
  http: HttpClient
  signal: AbortSignal
}

/** The template of a batch's operation; the engine only sends operations the capabilities offer. */
function templateFor(config: HttpConfig, batch: WriteBatch): RequestTemplate {
  const template = config.operations[batch.operation]
  if (!template)
    throw new SluiceError('config', `no request template for "${batch.operation}" in operations`, {
      component: COMPONENT,
      code: 'UNSUPPORTED_OPERATION',
      hint: `Add operations.${batch.operation} to the destination's config.`,
    })
  return template
}

/** The names a template sees for one record: its mapped fields, and `$identifier`, `$fields` … beside them. */
export function recordScope(batch: WriteBatch, record: OutboundRecord): Scope {
  return {
    ...record.fields,
    $identifier: record.identifier,
    $fields: record.fields,
    $object: batch.object,
    $operation: batch.operation,
  }
}

/** Sends a batch, one request per record or per `batchSize` records, and reads one result per record. */
export async function writeBatch(batch: WriteBatch, w: WriteContext): Promise<RecordResult[]> {
  const template = templateFor(w.config, batch)
  if (w.config.mode === 'batch') {
    const size = w.config.batchSize ?? 100
    const chunks: OutboundRecord[][] = []
    for (let i = 0; i < batch.records.length; i += size) chunks.push(batch.records.slice(i, i + size))
    const answers = await mapConcurrently(
      w.config.concurrency ?? 4,
      chunks.map((records) => () => sendMany(batch, records, template, w)),
    )
    return answers.flat()
  }
  return mapConcurrently(
    w.config.concurrency ?? 4,
    batch.records.map((record) => () => sendOne(batch, record, template, w)),
  )
}

/** Single mode: the record's own request; a 4xx refuses it, a 2xx must acknowledge it. */
async function sendOne(
  batch: WriteBatch,
  record: OutboundRecord,
  template: RequestTemplate,
  w: WriteContext,
): Promise<RecordResult> {
  const scope = recordScope(batch, record)
  let resent = false
  const res = await w.http.request({
    method: template.method,
    path: below(renderText(template.path, scope, 'url')),
    ...(template.body !== undefined ? { json: render(template.body, scope) } : {}),
    signal: w.signal,
    onRetry: ({ ambiguous }) => {
      resent ||= ambiguous
    },
  })
  if (isRequestFailure(res)) throw requestError(res)
  if (res.status >= 300) {
    // Deleting what is already gone is done.
    if (batch.operation === 'delete' && (res.status === 404 || res.status === 410))
      return { status: 'succeeded' }
    return rejected(refusal(res))
  }
  if (!acknowledges(w.config, res)) throw unacknowledged(res, 'the acknowledge rule does not hold')
  return batch.operation === 'append' && resent
    ? { status: 'succeeded', possiblyDuplicated: true }
    : { status: 'succeeded' }
}

/** Batch mode: one request for `records`; per-record results from the answer, or all or nothing. */
async function sendMany(
  batch: WriteBatch,
  records: OutboundRecord[],
  template: RequestTemplate,
  w: WriteContext,
): Promise<RecordResult[]> {
  const items = records.map((record) =>
    template.body === undefined ? record.fields : render(template.body, recordScope(batch, record)),
  )
  const scope: Scope = { $records: items, $object: batch.object, $operation: batch.operation }
  let resent = false
  const res = await w.http.request({
    method: template.method,
    path: below(renderText(template.path, scope, 'url')),
    json: template.batchBody === undefined ? items : render(template.batchBody, scope),
    signal: w.signal,
    onRetry: ({ ambiguous }) => {
      resent ||= ambiguous
    },
  })
  if (isRequestFailure(res)) throw requestError(res)
  const ok: RecordResult =
    batch.operation === 'append' && resent
      ? { status: 'succeeded', possiblyDuplicated: true }
      : { status: 'succeeded' }
  if (res.status >= 300) {
    // A 4xx may still say which records it refused; otherwise it refuses them all.
    const perRecord = w.config.results && isJson(res) ? resultsIn(w.config, res, records, ok) : undefined
    return perRecord ?? records.map(() => rejected(refusal(res)))
  }
  if (!acknowledges(w.config, res)) throw unacknowledged(res, 'the acknowledge rule does not hold')
  if (!w.config.results) return records.map(() => ok)
  const results = resultsIn(w.config, res, records, ok)
  if (!results) throw unacknowledged(res, `no result for each record at "${w.config.results.path}"`)
  return results
}

/**
 * Each record's result from the array at `results.path`, matched by id. Undefined unless the answer
 * has that array and a result for every record: a partial answer is no acknowledgement.
 */
function resultsIn(
  config: HttpConfig,
  res: HttpResponse,
  records: OutboundRecord[],
  ok: RecordResult,
): RecordResult[] | undefined {
  const rule = config.results!
  const list = lookup(res.body, rule.path)
  if (!Array.isArray(list)) return undefined
  const byId = new Map<string, unknown>()
  for (const item of list) {
    const id = lookup(item, rule.id ?? 'id')
    if (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') byId.set(String(id), item)
  }
  if (!records.every((r) => byId.has(r.identifier))) return undefined
  return records.map((record) => {
    const item = byId.get(record.identifier)
    const error = lookup(item, rule.error ?? 'error')
    const succeeded = rule.succeeded
      ? rule.succeeded.equals.some((wanted) => sameValue(wanted, lookup(item, rule.succeeded!.path)))
      : error === undefined || error === null || error === false || error === ''
    if (succeeded) return ok
    return rejected(reasonOf(error) ?? 'refused by the API without a reason')
  })
}

function reasonOf(error: unknown): string | undefined {
  if (error === undefined || error === null || error === false || error === '') return undefined
  if (typeof error === 'string') return redact(error)
  const message = lookup(error, 'message')
  return redact(typeof message === 'string' ? message : JSON.stringify(error))
}
