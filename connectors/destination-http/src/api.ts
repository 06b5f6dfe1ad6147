import { type ConnectorContext, registerSecret, SluiceError } from '@sluice/core/contract'
import {
  apiMessage,
  bodyExcerpt,
  createHttpClient,
  errorFromResponse,
  type HttpClient,
  type HttpResponse,
} from '@sluice/core/http'
import type { HttpConfig } from './config.js'
import { lookup } from './template.js'

export const COMPONENT = 'http'

/**
 * Registers the secret headers with the redaction every message and log line passes through: the
 * whole value, and the credential after an auth scheme (`Bearer abc…` → `abc…`), which is how an API
 * that echoes a request back would quote it.
 */
export function registerSecretHeaders(config: HttpConfig): void {
  for (const value of Object.values(config.secretHeaders ?? {})) {
    registerSecret(value)
    const credential = /^\S+\s+(\S.*)$/.exec(value)?.[1]
    if (credential) registerSecret(credential)
  }
}

/** The one HTTP client of a connected destination: its headers, limits and the run's retry budget. */
export function createClient(config: HttpConfig, ctx: ConnectorContext): HttpClient {
  return createHttpClient({
    baseUrl: config.url,
    component: COMPONENT,
    concurrency: config.concurrency ?? 4,
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
    headers: { ...config.headers, ...config.secretHeaders },
    log: ctx.log,
    ...(ctx.retryBudget ? { retry: { budget: ctx.retryBudget } } : {}),
  })
}

/**
 * `path` below the configured URL: the client joins them, keeping the URL's own path (`https://h/v2` and
 * `/x` → `/v2/x`). A rendered path can never name another host: it is always relative.
 */
export function below(path: string): string {
  return path.replace(/^\/*/, '/').replace(/^\/+(?=[a-z][a-z0-9+.-]*:)/i, '/./')
}

/** Whether an answer's status says the credentials were refused: that fails the run, not a record. */
export function isAuthFailure(res: HttpResponse): boolean {
  return res.status === 401 || res.status === 403 || res.status === 407
}

/** A status that is about the request, not about one record: fail the run with the API's message. */
export function isRequestFailure(res: HttpResponse): boolean {
  return (
    isAuthFailure(res) || res.status === 408 || res.status === 429 || res.status < 200 || res.status >= 500
  )
}

export function requestError(res: HttpResponse): SluiceError {
  return errorFromResponse(res, COMPONENT)
}

/** The reason a 4xx answer gives for refusing a record: the API's own message, redacted. */
export function refusal(res: HttpResponse): string {
  return `${res.status}: ${apiMessage(res)}`
}

/**
 * Whether a 2xx answer acknowledges its records under the configured rule. Without one the status is
 * the acknowledgement; with one, the answer must be JSON holding an acknowledging value at the path (an
 * HTML page, an empty or cut body, or JSON of another shape does not).
 */
export function acknowledges(config: HttpConfig, res: HttpResponse): boolean {
  const rule = config.acknowledge
  if (!rule) return true
  if (!isJson(res)) return false
  const value = lookup(res.body, rule.path)
  if (rule.equals) return rule.equals.some((wanted) => sameValue(wanted, value))
  return value !== undefined && value !== null && value !== false && value !== ''
}

/** The answer parsed as JSON (the client parses JSON bodies; a body that failed to parse stays text). */
export function isJson(res: HttpResponse): boolean {
  return res.body !== null && typeof res.body === 'object'
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b))
}

/** The request failed to acknowledge its records: sent again by the engine, never marked succeeded. */
export function unacknowledged(res: HttpResponse, why: string): SluiceError {
  const answer = res.text ? ` (it answered: ${bodyExcerpt(res.text)})` : ''
  return new SluiceError(
    'transient',
    `the API answered ${res.status} without acknowledging the records: ${why}${answer}`,
    {
      component: COMPONENT,
      code: 'UNACKNOWLEDGED',
      details: { status: res.status },
    },
  )
}
