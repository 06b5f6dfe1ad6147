import { type ErrorCategory, SluiceError } from '../errors.js'
import { redact } from '../redact.js'
import type { HttpResponse } from './types.js'

/** The longest piece of a response body quoted in an error. */
const EXCERPT_LENGTH = 500

/** The start of a body, redacted, on one line: enough to see what the API said. */
export function bodyExcerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat
  return redact(cut)
}

/**
 * The API's own explanation in a response: the common JSON shapes (`message`, `error_description`,
 * `error.message`, `errors[0].message`, Salesforce's `[{ message, errorCode }]`), else the body excerpt.
 */
export function apiMessage(response: HttpResponse): string {
  const found = messageIn(response.body)
  return found ? redact(found) : bodyExcerpt(response.text)
}

function messageIn(body: unknown, depth = 0): string | undefined {
  if (depth > 3 || body === null || body === undefined) return undefined
  if (typeof body === 'string') return body.trim() || undefined
  if (Array.isArray(body)) return messageIn(body[0], depth + 1)
  if (typeof body !== 'object') return undefined
  const o = body as Record<string, unknown>
  const code = typeof o.errorCode === 'string' ? `${o.errorCode}: ` : ''
  for (const key of ['message', 'error_description', 'detail', 'title']) {
    if (typeof o[key] === 'string' && o[key]) return `${code}${o[key]}`
  }
  for (const key of ['error', 'errors']) {
    const found = messageIn(o[key], depth + 1)
    if (found) return found
  }
  return undefined
}

function categoryFor(status: number): { category: ErrorCategory; code: string; hint?: string } {
  if (status === 401 || status === 403)
    return {
      category: 'auth',
      code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
      hint: 'Check the credentials and their permissions.',
    }
  if (status === 404)
    return { category: 'config', code: 'NOT_FOUND', hint: 'Check the object or endpoint name in the config.' }
  if (status === 429) return { category: 'rate_limited', code: 'RATE_LIMITED' }
  if (status >= 500) return { category: 'transient', code: 'SERVER_ERROR' }
  if (status === 408) return { category: 'transient', code: 'REQUEST_TIMEOUT' }
  return { category: 'config', code: 'BAD_REQUEST' }
}

/**
 * Maps a final non-2xx response onto the taxonomy, with the API's message: 400 → config, 401/403 →
 * auth, 404 → config (unknown object or endpoint), 429 → rate limited, 5xx → transient.
 */
export function errorFromResponse(response: HttpResponse, component: string): SluiceError {
  const { category, code, hint } = categoryFor(response.status)
  return new SluiceError(category, `the API answered ${response.status}: ${apiMessage(response)}`, {
    code,
    component,
    ...(hint ? { hint } : {}),
    details: { status: response.status },
  })
}
