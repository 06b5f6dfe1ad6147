import { Readable } from 'node:stream'
import { type Dispatcher, Pool, request as undiciRequest } from 'undici'
import { sleep } from '../concurrency.js'
import { stringifyJsonBody } from '../engine/json.js'
import { SluiceError } from '../errors.js'
import { type Logger, redactingLogger, silentLogger } from '../logger.js'
import { redact } from '../redact.js'
import { backoffDelay, serverDelayMs } from './backoff.js'
import { LearnedQuota } from './learned-quota.js'
import { createLimiter, type Limiter } from './limiter.js'
import {
  describeNetworkError,
  isRetryableNetworkError,
  networkCategory,
  networkError,
} from './network-errors.js'
import { bodyExcerpt } from './response-errors.js'
import { SlidingWindow } from './sliding-window.js'
import type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse, HttpStats } from './types.js'

const DEFAULTS = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 60_000,
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
}

/** Why the last attempt failed: a response worth retrying, or an error before any response. */
type Failure = { response: HttpResponse; error?: undefined } | { error: unknown; response?: undefined }

/**
 * Creates the HTTP client a connector uses for one destination. Connections are pooled per origin and
 * kept alive; every attempt (retries included) passes the rate limiter, so retries count against the
 * quota like any request.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const component = options.component
  const log: Logger = redactingLogger(options.log ?? silentLogger)
  const timeouts = {
    connectMs: options.timeouts?.connectMs ?? DEFAULTS.connectMs,
    headersMs: options.timeouts?.headersMs ?? DEFAULTS.headersMs,
    bodyMs: options.timeouts?.bodyMs ?? DEFAULTS.bodyMs,
  }
  const retry = {
    maxAttempts: options.retry?.maxAttempts ?? DEFAULTS.maxAttempts,
    baseDelayMs: options.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs,
    maxDelayMs: options.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs,
    maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
    budget: options.retry?.budget,
  }
  const stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, maxInFlight: 0 }
  const pools = new Map<string, Pool>()
  let limiter: Promise<Limiter> | undefined
  const rateWindow = options.rateLimit ? new SlidingWindow(options.rateLimit) : undefined
  // Paces to the server's real quota when its answers reveal one below the configured limit.
  const learnedQuota = options.rateLimit
    ? new LearnedQuota(options.rateLimit, retry.maxRetryAfterMs)
    : undefined
  let inFlight = 0
  let closed = false

  const dispatcherFor = (origin: string): Dispatcher => {
    if (options.dispatcher) return options.dispatcher
    let pool = pools.get(origin)
    if (!pool) {
      pool = new Pool(origin, {
        connections: options.concurrency ?? null,
        connectTimeout: timeouts.connectMs,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      })
      pools.set(origin, pool)
    }
    return pool
  }

  /** One attempt, inside the limiter: send, read the whole body, parse JSON when it is JSON. */
  const attempt = async (
    req: HttpRequest,
    url: URL,
    headers: Record<string, string>,
  ): Promise<HttpResponse> => {
    const answered = await rateWindow?.acquire(req.signal)
    // The last gate before sending, so that a hold announced while this request waited still applies.
    try {
      await learnedQuota?.acquire(req.signal)
    } catch (error) {
      answered?.()
      throw error
    }
    inFlight += 1
    stats.requests += 1
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight)
    try {
      const res = await undiciRequest(url, {
        dispatcher: dispatcherFor(url.origin),
        method: req.method,
        headers,
        body: requestBody(req),
        signal: req.signal,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      })
      const text = await res.body.text()
      const responseHeaders = flattenHeaders(res.headers)
      learnedQuota?.observe(res.statusCode, responseHeaders)
      return {
        status: res.statusCode,
        headers: responseHeaders,
        text,
        body: parseBody(text, responseHeaders),
      }
    } finally {
      inFlight -= 1
      answered?.()
    }
  }

  const request = async <T>(req: HttpRequest): Promise<HttpResponse<T>> => {
    if (closed) throw new SluiceError('internal', 'the HTTP client is closed', { component })
    limiter ??= createLimiter(options).catch((error: unknown) => {
      limiter = undefined // the next request tries again
      throw error
    })
    const scheduler = await limiter
    const url = buildUrl(options.baseUrl, req)
    // Only the path: a query string may carry a key. Redacted, in case the path itself holds a secret.
    const what = redact(`${req.method} ${url.pathname}`)
    const replayable = !isStream(req.body)
    let refreshedAuth = false
    let lastFailure: Failure | undefined

    for (let attemptNo = 1; ; attemptNo++) {
      throwIfCancelled(req.signal, what, component)
      const authHeaders = options.auth ? await options.auth.headers() : {}
      const headers = requestHeaders(options, req, authHeaders, component)
      let response: HttpResponse
      try {
        response = await scheduler.schedule(() => attempt(req, url, headers))
      } catch (error) {
        throwIfCancelled(req.signal, what, component)
        if (!isRetryableNetworkError(error)) throw networkError(error, what, component)
        lastFailure = { error }
        const delay = backoffDelay(attemptNo, retry.baseDelayMs, retry.maxDelayMs)
        await retryOrThrow(attemptNo, delay, lastFailure)
        continue
      }
      if (response.status === 429) stats.rateLimited += 1

      // An expired token: refresh once and send this request again, outside the retry budget (a
      // one-shot stream cannot be sent again: its 401 goes back to the connector).
      if (response.status === 401 && options.auth?.refresh && !refreshedAuth && replayable) {
        if (options.auth.isExpired?.(response) ?? true) {
          refreshedAuth = true
          log.debug(`${what}: 401, refreshing credentials once`)
          await options.auth.refresh(authHeaders)
          stats.retries += 1
          attemptNo -= 1
          continue
        }
      }

      const builtIn = response.status === 429 || response.status >= 500
      const asked = builtIn ? true : (req.retryIf?.(response) ?? false)
      if (asked === false) return response as HttpResponse<T>

      lastFailure = { response }
      const fromServer = builtIn ? serverDelayMs(response.headers) : undefined
      const delay =
        typeof asked === 'number' && !builtIn
          ? asked
          : (fromServer ?? backoffDelay(attemptNo, retry.baseDelayMs, retry.maxDelayMs))
      if (fromServer !== undefined && fromServer > retry.maxRetryAfterMs) {
        throw new SluiceError(
          'rate_limited',
          `${what}: the API asks to wait ${Math.ceil(fromServer / 1000)} s (status ${response.status}), longer than the ${Math.ceil(retry.maxRetryAfterMs / 1000)} s worth waiting for`,
          {
            code: 'RETRY_AFTER_TOO_LONG',
            component,
            details: { status: response.status, retryAfterMs: fromServer, body: bodyExcerpt(response.text) },
            hint: 'The quota window is long: run the sync later or raise retry.maxRetryAfterMs.',
          },
        )
      }
      await retryOrThrow(attemptNo, delay, lastFailure)
    }

    /** Waits before the next attempt, or throws "retries exhausted" when none may follow. */
    async function retryOrThrow(attemptNo: number, delay: number, failure: Failure): Promise<void> {
      if (!replayable) {
        throw exhausted(what, attemptNo, failure, component, 'a streamed body cannot be sent again')
      }
      if (attemptNo >= retry.maxAttempts) throw exhausted(what, attemptNo, failure, component)
      if (retry.budget && !retry.budget.take()) {
        throw exhausted(what, attemptNo, failure, component, "the run's retry budget is spent")
      }
      stats.retries += 1
      req.onRetry?.(
        failure.response
          ? { status: failure.response.status, ambiguous: failure.response.status !== 429 }
          : { ambiguous: networkCategory(failure.error) !== 'connection' },
      )
      // fields a host can count (rate-limit waits in `sluice serve`'s metrics)
      log.debug(`${what}: ${failureSummary(failure)}; attempt ${attemptNo + 1} in ${delay} ms`, {
        event: 'retry_wait',
        status: failure.response?.status ?? null,
        delayMs: delay,
      })
      try {
        await sleep(delay, req.signal)
      } catch {
        throwIfCancelled(req.signal, what, component)
      }
    }
  }

  return {
    request,
    stats,
    async close() {
      closed = true
      const pending = limiter
      limiter = undefined
      if (pending) await pending.then((l) => l.disconnect()).catch(() => {})
      await Promise.all([...pools.values()].map((pool) => pool.close()))
      pools.clear()
    },
  }
}

function buildUrl(baseUrl: string, req: HttpRequest): URL {
  const url = /^https?:\/\//i.test(req.path)
    ? new URL(req.path)
    : new URL(`${baseUrl.replace(/\/+$/, '')}/${req.path.replace(/^\/+/, '')}`)
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value))
  }
  return url
}

function requestHeaders(
  options: HttpClientOptions,
  req: HttpRequest,
  authHeaders: Record<string, string>,
  component: string,
): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': `sluice-${component}`, accept: 'application/json' }
  for (const source of [options.headers, req.headers, authHeaders]) {
    for (const [name, value] of Object.entries(source ?? {})) headers[name.toLowerCase()] = value
  }
  if (req.json !== undefined) headers['content-type'] ??= 'application/json'
  return headers
}

function requestBody(req: HttpRequest): string | Uint8Array | Readable | undefined {
  if (req.json !== undefined) return stringifyJsonBody(req.json)
  if (typeof req.body === 'function') return Readable.from(req.body())
  if (isStream(req.body)) return Readable.from(req.body as AsyncIterable<Uint8Array>)
  return req.body as string | Uint8Array | undefined
}

function isStream(body: HttpRequest['body']): boolean {
  return body !== undefined && typeof body === 'object' && Symbol.asyncIterator in body
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

function parseBody(text: string, headers: Record<string, string>): unknown {
  if (!text || !/json/i.test(headers['content-type'] ?? '')) return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, what: string, component: string): void {
  if (signal?.aborted) {
    throw new SluiceError('cancelled', `${what} was cancelled`, { code: 'CANCELLED', component })
  }
}

function failureSummary(failure: Failure): string {
  return failure.response
    ? `the API answered ${failure.response.status}`
    : `network error: ${describeNetworkError(failure.error)}`
}

function exhausted(
  what: string,
  attempts: number,
  failure: Failure,
  component: string,
  reason?: string,
): SluiceError {
  const response = failure.response
  const excerpt = response ? bodyExcerpt(response.text) : undefined
  const last = response
    ? `last answer ${response.status}${excerpt ? `: ${excerpt}` : ''}`
    : `last error: ${describeNetworkError(failure.error)}`
  const category = response
    ? response.status === 429
      ? 'rate_limited'
      : 'transient'
    : networkCategory(failure.error)
  return new SluiceError(
    category,
    redact(
      `${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (retries exhausted${reason ? `: ${reason}` : ''}); ${last}`,
    ),
    {
      code: 'RETRIES_EXHAUSTED',
      component,
      // The toolkit already retried: retrying the whole operation again would only multiply the load.
      retryable: false,
      cause: failure.error,
      details: { attempts, ...(response ? { status: response.status, body: excerpt } : {}) },
      hint: 'The API kept failing; try again later, or lower the concurrency or rate limit.',
    },
  )
}
