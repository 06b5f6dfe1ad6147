import { SluiceError } from '@sluice/core/contract'
import { apiMessage, bodyExcerpt, type HttpResponse } from '@sluice/core/http'
import { TRACK_ARRAYS, type TrackArray, type TrackRequest } from './packer.js'

/**
 * Reads Braze's answers. A /users/track response is `{ message: "success" }`, possibly with an
 * `errors` array of minor errors that each name the object they are about by `input_array` and
 * `index`; those objects were refused, the rest were processed. A request in which no object was
 * valid answers 400 with the same `errors` array and a fatal `message`.
 */

export interface TrackOutcome<R> {
  /** refused objects: ref → Braze's reason */
  rejected: Map<R, string>
  /** minor errors that name no object, for the log */
  unattributed: string[]
  /** objects that were not processed because the request as a whole was refused: send them again */
  unprocessed: Array<{ array: TrackArray; object: Record<string, unknown>; ref: R }>
}

interface IndexedError {
  array: TrackArray
  index: number
  reason: string
}

/** Minor errors of a response body, split into those that name an object and those that do not. */
export function minorErrors(body: unknown): { indexed: IndexedError[]; unattributed: string[] } {
  const indexed: IndexedError[] = []
  const unattributed: string[] = []
  const errors = body && typeof body === 'object' ? (body as { errors?: unknown }).errors : undefined
  if (!Array.isArray(errors)) return { indexed, unattributed }
  for (const error of errors) {
    const reason = reasonOf(error)
    if (error && typeof error === 'object') {
      const { input_array, index } = error as { input_array?: unknown; index?: unknown }
      if ((TRACK_ARRAYS as readonly unknown[]).includes(input_array) && Number.isInteger(index)) {
        indexed.push({ array: input_array as TrackArray, index: index as number, reason })
        continue
      }
    }
    unattributed.push(reason)
  }
  return { indexed, unattributed }
}

function reasonOf(error: unknown): string {
  if (typeof error === 'string') return error
  if (error && typeof error === 'object') {
    const { type, message } = error as { type?: unknown; message?: unknown }
    if (typeof type === 'string' && type) return type
    if (typeof message === 'string' && message) return message
  }
  return JSON.stringify(error)
}

/**
 * The outcome of one /users/track request. Success (2xx) rejects the objects its minor errors name. A
 * 400 whose errors name objects refused exactly those, and processed nothing: the others come back as
 * `unprocessed`. Anything else about the whole request is thrown as a run-level error.
 */
export function trackOutcome<R>(request: TrackRequest<R>, response: HttpResponse): TrackOutcome<R> {
  const ok = response.status >= 200 && response.status < 300
  if (ok) {
    const problem = unacknowledged(response, 'track')
    if (problem) throw unacknowledgedError(response, '/users/track', problem)
  }
  const { indexed, unattributed } = minorErrors(response.body)
  if (!ok && (response.status !== 400 || indexed.length === 0)) throw runLevelError(response, '/users/track')

  const rejected = new Map<R, string>()
  const refused = new Set<string>()
  for (const error of indexed) {
    const ref = request.refs[error.array]?.[error.index]
    if (ref === undefined) {
      unattributed.push(`${error.array}[${error.index}]: ${error.reason}`)
      continue
    }
    const earlier = rejected.get(ref)
    rejected.set(ref, earlier ? `${earlier}; ${error.reason}` : error.reason)
    refused.add(`${error.array}:${error.index}`)
  }
  const unprocessed: TrackOutcome<R>['unprocessed'] = []
  if (!ok) {
    for (const array of TRACK_ARRAYS) {
      const objects = request.body[array] ?? []
      objects.forEach((object, index) => {
        if (!refused.has(`${array}:${index}`))
          unprocessed.push({ array, object, ref: request.refs[array]![index]! })
      })
    }
  }
  return { rejected, unattributed, unprocessed }
}

/**
 * Why a 2xx answer is not one of Braze's documented acknowledgements, or undefined when it is. Braze
 * documents success as a JSON object `{ "message": "success" }`, with an `errors` array of minor
 * errors when some objects were refused, and `*_processed` counts (/users/track) or `deleted`
 * (/users/delete) as numbers. A 202 `{ "message": "queued" }` says Braze took the request during
 * maintenance and will process it. Anything else (an HTML page, an empty or truncated body, another
 * shape, a message naming an error) says nothing about the records, so none of them is marked.
 */
export function unacknowledged(response: HttpResponse, endpoint: 'track' | 'delete'): string | undefined {
  const body = response.body
  if (typeof body === 'string') {
    if (body.trim() === '') return 'an empty body'
    return /json/i.test(response.headers['content-type'] ?? '') ? 'JSON that does not parse' : 'not JSON'
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'not a JSON object'
  const { message, errors } = body as Record<string, unknown>
  if (message === 'queued' && response.status === 202) return undefined
  if (message !== 'success') {
    return typeof message === 'string'
      ? `the message "${message}" instead of "success"`
      : 'no "message": "success"'
  }
  if (errors !== undefined && !Array.isArray(errors)) return '"errors" that is not a list'
  const counts =
    endpoint === 'track'
      ? Object.entries(body as Record<string, unknown>).filter(([key]) => key.endsWith('_processed'))
      : [['deleted', (body as Record<string, unknown>).deleted] as const]
  for (const [key, value] of counts) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0))
      return `"${key}" that is not a count`
  }
  return undefined
}

/** A 2xx answer that is not an acknowledgement: the request failed, and no record of it is marked. */
export function unacknowledgedError(response: HttpResponse, endpoint: string, problem: string): SluiceError {
  return new SluiceError(
    'transient',
    `${endpoint} answered ${response.status} with ${problem}, not Braze's acknowledgement; no record of the request is taken as written: ${bodyExcerpt(response.text) || '(empty)'}`,
    {
      code: 'UNACKNOWLEDGED',
      component: 'braze',
      retryable: false,
      details: { status: response.status, endpoint },
      hint: 'A proxy or gateway may be answering instead of Braze: check instanceUrl. The records are sent again by the next run.',
    },
  )
}

const HINTS: Record<number, string> = {
  400: 'Braze refused the request as a whole; the message above says why.',
  401: 'Braze does not know this REST API key on this instance: check apiKey and instanceUrl (a key belongs to one workspace on one instance).',
  403: 'The key lacks a permission this call needs (users.track, users.delete, custom_attributes.get), or the account is inactive.',
  404: 'Check instanceUrl: it must be the REST endpoint of your instance.',
  413: 'The request was over 4 MB; this is a bug in batching, please report it.',
}

/** An error about a whole request (400, 401, 403, 404 …), with Braze's own message. */
export function runLevelError(response: HttpResponse, endpoint: string): SluiceError {
  const status = response.status
  const category =
    status === 401 || status === 403
      ? 'auth'
      : status === 429
        ? 'rate_limited'
        : status >= 500
          ? 'transient'
          : 'config'
  const code =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 403
        ? 'FORBIDDEN'
        : status === 404
          ? 'NOT_FOUND'
          : `HTTP_${status}`
  return new SluiceError(category, `${endpoint} answered ${status}: ${apiMessage(response)}`, {
    code,
    component: 'braze',
    retryable: false,
    details: { status, endpoint },
    ...(HINTS[status] ? { hint: HINTS[status] } : {}),
  })
}
