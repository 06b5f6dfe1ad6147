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
   */
  records(object: string): Map<string, Record<string, unknown>>
  /** counters the kit checks limits against */
  readonly stats: FakeStats
  /** forgets every record and counter */
  reset(): void
}

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
}
