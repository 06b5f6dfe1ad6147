/**
 * How long to wait before the next attempt: the server's word when it gives one, otherwise exponential
 * backoff with full jitter (a random delay between 0 and the exponential ceiling), which spreads the
 * retries of many clients instead of having them return in lockstep.
 */

/** The full-jitter backoff before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(Math.random() * ceiling)
}

/** Epoch-second values below this are read as "seconds from now" (it is ~2001-09-09). */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000

/**
 * The delay a response asks for, in ms, or undefined when it names none. Reads `Retry-After` (seconds
 * or an HTTP date), then `RateLimit-Reset` (seconds from now, IETF draft) and `X-RateLimit-Reset`
 * (epoch seconds, or seconds from now when small, as GitHub and others differ).
 */
export function serverDelayMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const retryAfter = headers['retry-after']
  if (retryAfter !== undefined) {
    const trimmed = retryAfter.trim()
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
    const date = Date.parse(trimmed)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  return rateLimitResetMs(headers, now)
}

/**
 * When the server's rate-limit window resets, in ms from now, or undefined when it does not say:
 * `RateLimit-Reset` (seconds from now, IETF draft), then `X-RateLimit-Reset` (epoch seconds, as Braze
 * sends it, or seconds from now when small, as GitHub and others differ).
 */
export function rateLimitResetMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const reset = headers['ratelimit-reset']
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset.trim())) return Math.ceil(Number(reset) * 1000)
  const xReset = headers['x-ratelimit-reset']
  if (xReset !== undefined && /^\d+(\.\d+)?$/.test(xReset.trim())) {
    const value = Number(xReset)
    return value >= EPOCH_SECONDS_THRESHOLD
      ? Math.max(0, Math.ceil(value * 1000 - now))
      : Math.ceil(value * 1000)
  }
  return undefined
}
