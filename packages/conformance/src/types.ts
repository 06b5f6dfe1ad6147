import type { RequestHandler } from 'msw'

/**
 * A connector's fake API: msw handlers over in-memory state, plus the switches the conformance kit
 * and tests use to make it misbehave. `@sluice/destination-<name>/fake` exports a factory of these.
 */
export interface DestinationFake {
  /** msw request handlers; absolute URLs or paths relative to the host's base URL */
  handlers: RequestHandler[]
  /** switches shared by every fake: see `createFaults()` */
  faults: Faults
  /**
   * What the destination holds now for an object, identifier → fields, as the conformance kit reads
   * it back. For append-only objects, every appended item in arrival order under a synthetic key.
   * With `kind: 'appended'` (the kit's append checks), the items appended to an object that also holds
   * upserted records, kept apart from them; a fake whose objects are either one or the other ignores it.
   */
  records(object: string, kind?: ReadBack): Map<string, Record<string, unknown>>
  /** counters the kit checks limits against */
  readonly stats: FakeStats
  /** forgets every record and counter */
  reset(): void
}

/**
 * The fake of a destination that stores files (a bucket, a folder): the same switches and counters,
 * but what it holds is read back from the storage, and emptying it is a request too.
 */
export interface StorageFake extends Omit<DestinationFake, 'records' | 'reset'> {
  /** what a reader of the storage holds now for an object: see `DestinationFake.records` */
  records(object: string, kind?: ReadBack): Promise<Map<string, Record<string, unknown>>>
  /** empties the storage and forgets every counter */
  reset(): Promise<void>
}

/** What a read-back asks for: the records an object holds, or the items appended to it. */
export type ReadBack = 'records' | 'appended'

export interface FakeStats {
  /** requests received, faulted or not */
  requests: number
  /** the most records seen in one request */
  maxRecordsPerRequest: number
  /** responses with status 429 */
  rateLimited: number
}

/**
 * Fault switches. Transport faults (`rateLimitEvery`, `serverErrors`, `slowMs`, `hold`, `dropConnections`) are
 * applied by the fake host before a handler runs; `expireTokens` and `rejectWhere` are read by the fake's
 * own handlers, which answer in their API's shapes.
 */
export interface Faults {
  /** every Nth request is answered 429 with `Retry-After: retryAfterSeconds` */
  rateLimitEvery?: { n: number; retryAfterSeconds: number }
  /** the next `count` requests are answered with `status` (5xx) */
  serverErrors?: { count: number; status: number }
  /** every response is delayed this long (to go beyond a client's timeout) */
  slowMs?: number
  /**
   * While set, every request waits for this promise before it is answered: a test holds the
   * destination still until it has looked at a run in flight, instead of hoping a delay is long enough.
   */
  hold?: Promise<void>
  /** the next N requests have their connection destroyed without a response */
  dropConnections?: number
  /** the next request's token is treated as expired (401 in the API's shape); a refreshed token works */
  expireTokens?: boolean
  /** records for which this returns a reason are rejected per record, in the API's shape */
  rejectWhere?: (record: Record<string, unknown>) => string | undefined
  /**
   * The next `count` requests are handled (a write is applied) and then answered with a 2xx that is
   * no acknowledgement: see `MalformedAnswer`.
   */
  malformedAnswers?: { count: number; kind: MalformedAnswer }
  /**
   * The next N requests are handled (a write is applied) and then their connection is destroyed
   * before the answer: the client cannot tell whether the write happened.
   */
  loseAnswers?: number
  /**
   * The next N requests are answered 400 `invalid_grant` with the whole request (headers and body)
   * echoed in `error_description`, as some token endpoints and gateways do: whatever the connector
   * sent must not reach an error or a log line.
   */
  echoRequests?: number
}

/**
 * 2xx answers that say nothing about the records: a gateway's HTML page with 200, an empty 201, the
 * API's own answer cut in the middle, JSON of another shape (`{"status":"queued"}`), and JSON naming
 * an error (`{"message":"Invalid API key","errors":"..."}`).
 */
export const MALFORMED_ANSWERS = ['html200', 'empty201', 'truncatedJson', 'wrongShape', 'namesError'] as const
export type MalformedAnswer = (typeof MALFORMED_ANSWERS)[number]
