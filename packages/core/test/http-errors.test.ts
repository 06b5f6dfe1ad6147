import { describe, expect, it } from 'vitest'
import { backoffDelay, errorFromResponse, serverDelayMs } from '../src/http/index.js'
import type { HttpResponse } from '../src/http/types.js'

function response(status: number, body: unknown): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return { status, headers: {}, body, text }
}

describe('errorFromResponse', () => {
  it.each([
    [400, 'config', 'BAD_REQUEST'],
    [401, 'auth', 'UNAUTHORIZED'],
    [403, 'auth', 'FORBIDDEN'],
    [404, 'config', 'NOT_FOUND'],
    [429, 'rate_limited', 'RATE_LIMITED'],
    [500, 'transient', 'SERVER_ERROR'],
    [503, 'transient', 'SERVER_ERROR'],
  ])('maps %i to %s', (status, category, code) => {
    const error = errorFromResponse(response(status, { message: 'what the API said' }), 'acme')
    expect(error.category).toBe(category)
    expect(error.code).toBe(code)
    expect(error.message).toContain(`[sluice] [acme] the API answered ${status}: what the API said`)
    expect(error.details.status).toBe(status)
  })

  it("quotes the API's message in its common shapes", () => {
    const cases: Array<[unknown, string]> = [
      [
        [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
        'NOT_FOUND: The requested resource does not exist',
      ],
      [{ error: 'invalid_grant', error_description: 'authentication failure' }, 'authentication failure'],
      [{ errors: [{ message: 'field x is unknown' }] }, 'field x is unknown'],
      [{ error: { message: 'nested' } }, 'nested'],
      ['<html>Bad Gateway</html>', '<html>Bad Gateway</html>'],
    ]
    for (const [body, message] of cases)
      expect(errorFromResponse(response(400, body), 'x').message).toContain(message)
  })
})

describe('backoff', () => {
  it('reads Retry-After seconds and dates, and rate-limit reset headers', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(serverDelayMs({ 'retry-after': '3' }, now)).toBe(3000)
    expect(serverDelayMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000)
    expect(serverDelayMs({ 'ratelimit-reset': '7' }, now)).toBe(7000)
    expect(serverDelayMs({ 'x-ratelimit-reset': String(now / 1000 + 9) }, now)).toBe(9000)
    expect(serverDelayMs({ 'x-ratelimit-reset': '11' }, now)).toBe(11000)
    expect(serverDelayMs({}, now)).toBeUndefined()
  })

  it('draws full-jitter delays under a doubling ceiling', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1))
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, 100, 1000)
        expect(d).toBeGreaterThanOrEqual(0)
        expect(d).toBeLessThan(ceiling)
      }
    }
  })
})
