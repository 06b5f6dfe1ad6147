import { SluiceError } from '@sluice/core/contract'
import { apiMessage, type HttpResponse } from '@sluice/core/http'
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
