import { stringifyJsonBody } from '@sluice/core/http'

/**
 * Packs request objects into /users/track requests within Braze's limits: at most `objectsPerRequest`
 * objects in total across the three arrays (the current rule), or that many in each array (legacy
 * rate limits), and a JSON body under Braze's 4 MB payload limit.
 */

export const TRACK_ARRAYS = ['attributes', 'events', 'purchases'] as const
export type TrackArray = (typeof TRACK_ARRAYS)[number]

/** Braze answers 413 above 4 MB; stay a little under it. */
export const MAX_REQUEST_BYTES = 4_000_000

export interface PackLimits {
  rule: 'total' | 'per_array'
  objectsPerRequest: number
  maxRequestBytes: number
}

export interface PackItem<R> {
  array: TrackArray
  object: Record<string, unknown>
  /** what the caller maps the object's result back to (a record's position) */
  ref: R
}

/** One request: its body, and for each array the refs of its objects in the same order. */
export interface TrackRequest<R> {
  body: Partial<Record<TrackArray, Array<Record<string, unknown>>>>
  /** the JSON text of each object of `body`, as measured: the request's text is made of them */
  texts: Partial<Record<TrackArray, string[]>>
  refs: Partial<Record<TrackArray, R[]>>
  /** objects in the request */
  size: number
  /** bytes of the JSON body */
  bytes: number
}

export interface Packed<R> {
  requests: Array<TrackRequest<R>>
  /** items that would not fit in a request even alone */
  oversized: R[]
}

/** `{"attributes":[` and the like: the bytes an array adds to a body before its first object. */
const arrayOverhead = (array: TrackArray) => array.length + 5

/** Packs items in order, starting a new request when the next item would break a limit. */
export function packTrackRequests<R>(items: Iterable<PackItem<R>>, limits: PackLimits): Packed<R> {
  const requests: Array<TrackRequest<R>> = []
  const oversized: R[] = []
  let current: TrackRequest<R> | undefined

  for (const item of items) {
    const text = stringifyJsonBody(item.object)
    const objectBytes = Buffer.byteLength(text)
    if (2 + arrayOverhead(item.array) + objectBytes > limits.maxRequestBytes) {
      oversized.push(item.ref)
      continue
    }
    if (!current || !fits(current, item.array, objectBytes, limits)) {
      current = { body: {}, texts: {}, refs: {}, size: 0, bytes: 2 }
      requests.push(current)
    }
    add(current, item, text, objectBytes)
  }
  return { requests, oversized }
}

function fits<R>(
  request: TrackRequest<R>,
  array: TrackArray,
  objectBytes: number,
  limits: PackLimits,
): boolean {
  const inArray = request.body[array]?.length ?? 0
  const count = limits.rule === 'total' ? request.size : inArray
  if (count >= limits.objectsPerRequest) return false
  return request.bytes + addedBytes(request, array, objectBytes) <= limits.maxRequestBytes
}

function addedBytes<R>(request: TrackRequest<R>, array: TrackArray, objectBytes: number): number {
  const existing = request.body[array]
  if (existing) return objectBytes + 1 // a comma before it
  // A new array, with a comma before it when another array precedes it.
  return objectBytes + arrayOverhead(array) + (request.size > 0 ? 1 : 0)
}

function add<R>(request: TrackRequest<R>, item: PackItem<R>, text: string, objectBytes: number): void {
  request.bytes += addedBytes(request, item.array, objectBytes)
  const objects = request.body[item.array] ?? []
  const texts = request.texts[item.array] ?? []
  const refs = request.refs[item.array] ?? []
  objects.push(item.object)
  texts.push(text)
  refs.push(item.ref)
  request.body[item.array] = objects
  request.texts[item.array] = texts
  request.refs[item.array] = refs
  request.size += 1
}

/**
 * The request's JSON body as text, put together from the objects' texts that packing measured: the
 * same text as serialising `body` (its arrays in the order they were opened), without serialising
 * every object a second time.
 */
export function trackBodyText<R>(request: TrackRequest<R>): string {
  const arrays: string[] = []
  for (const array of Object.keys(request.body) as TrackArray[]) {
    arrays.push(`"${array}":[${(request.texts[array] ?? []).join(',')}]`)
  }
  return `{${arrays.join(',')}}`
}
