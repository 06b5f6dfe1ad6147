import type { Dispatcher } from 'undici'
import type { RateLimit } from '../contract/destination.js'
import type { Logger } from '../logger.js'

/**
 * The HTTP toolkit every connector uses (`@sluice/core/http`): undici keep-alive pools, bottleneck rate
 * limits and concurrency, retries with jittered backoff, timeouts, auth hooks, redaction.
 */
export interface HttpClientOptions {
  /** origin and optional base path, e.g. `https://rest.iad-01.braze.com` */
  baseUrl: string
  /** the connector id, used in error messages: `[sluice] [braze] …` */
  component: string
  /**
   * at most `requests` starts in any span of `perMs` (a sliding window; with `cluster`, also a shared
   * bottleneck reservoir refreshed each window), paced evenly; an upper bound: a lower quota the server
   * announces in `X-RateLimit-*` headers is kept to instead
   */
  rateLimit?: RateLimit
  /** at most this many requests in flight */
  concurrency?: number
  timeouts?: {
    /** TCP + TLS connect; default 10 s */
    connectMs?: number
    /** until response headers arrive; default 30 s */
    headersMs?: number
    /** between body chunks; default 60 s */
    bodyMs?: number
  }
  retry?: {
    /** attempts per request including the first; default 5 */
    maxAttempts?: number
    /** first backoff; doubles each attempt, with full jitter; default 250 ms */
    baseDelayMs?: number
    /** backoff ceiling (a longer Retry-After is still honoured up to maxRetryAfterMs); default 30 s */
    maxDelayMs?: number
    /** the longest Retry-After / rate-limit reset worth waiting for; default 120 s */
    maxRetryAfterMs?: number
    /** shared across every request of one run: once spent, errors surface as "retries exhausted" */
    budget?: RetryBudget
  }
  auth?: AuthHook
  /** headers on every request (User-Agent, API version …) */
  headers?: Record<string, string>
  /** an undici dispatcher to use instead of the client's own Pool (tests, proxies) */
  dispatcher?: Dispatcher
  /**
   * Share the rate limit with other processes through Redis (bottleneck clustering): every worker
   * that uses the same `id` draws from one quota.
   */
  cluster?: { id: string; redisUrl: string }
  /** where retries and refreshes are logged (at debug level), through `redact()` */
  log?: Logger
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** a path below baseUrl, or an absolute URL on the same origin */
  path: string
  query?: Record<string, string | number | boolean | undefined>
  headers?: Record<string, string>
  /** serialised as JSON with content-type application/json; a `bigint` goes as an exact JSON number */
  json?: unknown
  /**
   * A raw body (CSV uploads). An async iterable is streamed and cannot be sent twice, so a failure is
   * not retried (nor resent after a token refresh); a function returning one is called for every
   * attempt, so the upload can be retried.
   */
  body?: string | Uint8Array | AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>)
  signal?: AbortSignal
  /**
   * Decides, after the built-in rules (429, 5xx, network errors), whether a response should be retried
   * anyway, e.g. Braze's 202 `queued`. Return a delay in ms to wait that long, or true for backoff.
   */
  retryIf?: (response: HttpResponse) => boolean | number
  /**
   * Hears about every attempt that is sent again. `ambiguous` is true when the failed attempt may
   * have been applied (a 5xx, a connection lost after sending, an answer `retryIf` refused): a
   * request that is not idempotent (an append) learns that its records are possibly duplicated.
   */
  onRetry?: (retry: { status?: number; ambiguous: boolean }) => void
}

export interface HttpResponse<T = unknown> {
  status: number
  headers: Record<string, string>
  /** parsed JSON when the response is JSON, otherwise the text */
  body: T
  text: string
}

export interface HttpClient {
  /**
   * Sends a request with rate limiting, retries and auth. Resolves with the final response whatever its
   * status once retries are over (connectors read 4xx bodies themselves); throws a SluiceError for
   * network failures and exhausted retries (`code: 'RETRIES_EXHAUSTED'`, with the last status and an
   * excerpt of the body), and a `cancelled` error when the signal aborts.
   */
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>
  /** counts since the client was created */
  readonly stats: HttpStats
  close(): Promise<void>
}

export interface HttpStats {
  requests: number
  retries: number
  /** responses with status 429 */
  rateLimited: number
  /** the most requests that were in flight at once */
  maxInFlight: number
}

/**
 * Supplies credentials. `headers()` is called before every attempt; when a response is 401 and the hook
 * has `refresh`, the toolkit calls it once and retries that request once.
 */
export interface AuthHook {
  headers(): Promise<Record<string, string>> | Record<string, string>
  /**
   * Obtains new credentials. `rejected` holds the headers the 401 answered, so a hook can skip the
   * refresh when another request already replaced them.
   */
  refresh?(rejected?: Record<string, string>): Promise<void>
  /** whether a 401 response means the token expired (default: any 401) */
  isExpired?(response: HttpResponse): boolean
}

/** A number of retries shared by every request of a run. */
export interface RetryBudget {
  /** takes one retry; false when none is left */
  take(): boolean
  readonly remaining: number
}
