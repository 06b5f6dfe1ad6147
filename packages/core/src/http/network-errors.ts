import { type ErrorCategory, SluiceError } from '../errors.js'
import { redact } from '../redact.js'

/** Failures before any response that are worth another attempt. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/** Failures that mean the service was never reached, as opposed to a connection lost mid-request. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
])

const DESCRIPTIONS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers within the headers timeout',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled beyond the body timeout',
  UND_ERR_SOCKET: 'the connection was closed by the server',
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name does not resolve',
}

export function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'UND_ERR_REQ_RETRY') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

export function isRetryableNetworkError(error: unknown): boolean {
  const code = errorCode(error)
  return code !== undefined && RETRYABLE_CODES.has(code)
}

export function networkCategory(error: unknown): ErrorCategory {
  const code = errorCode(error)
  return code !== undefined && CONNECT_CODES.has(code) ? 'connection' : 'transient'
}

/** What went wrong, in words, without anything from the request (headers, query) that may hold a secret. */
export function describeNetworkError(error: unknown): string {
  const code = errorCode(error)
  const text = error instanceof Error ? error.message : String(error)
  const description = code ? (DESCRIPTIONS[code] ?? text) : text
  return redact(code ? `${description} (${code})` : description)
}

/** A failure before any response, as a SluiceError. */
export function networkError(error: unknown, what: string, component: string): SluiceError {
  return new SluiceError(networkCategory(error), `${what} failed: ${describeNetworkError(error)}`, {
    code: errorCode(error) ?? 'NETWORK_ERROR',
    component,
    cause: error,
    hint: 'Check that the service is reachable from here.',
  })
}
