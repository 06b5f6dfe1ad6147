import { describe, expect, it } from 'vitest'
import { isRetryable, SluiceError, toSluiceError } from '../src/errors.js'
import { redact, registerSecret } from '../src/redact.js'

describe('SluiceError', () => {
  it('prefixes the component and appends the hint', () => {
    const e = new SluiceError('auth', 'the REST key was refused.', {
      component: 'braze',
      hint: 'Check BRAZE_API_KEY.',
    })
    expect(e.message).toBe('[sluice] [braze] the REST key was refused. Check BRAZE_API_KEY.')
    expect(e.code).toBe('AUTH')
  })
  it('knows which categories are retryable', () => {
    expect(isRetryable(new SluiceError('rate_limited', 'slow down'))).toBe(true)
    expect(isRetryable(new SluiceError('transient', '503'))).toBe(true)
    expect(isRetryable(new SluiceError('auth', 'no'))).toBe(false)
    expect(isRetryable(new Error('plain'))).toBe(false)
  })
  it('wraps foreign errors as internal and keeps the cause', () => {
    const cause = new TypeError('boom')
    const e = toSluiceError(cause, 'engine')
    expect(e.category).toBe('internal')
    expect(e.cause).toBe(cause)
  })
})

describe('redact', () => {
  it('masks registered secrets and credential shapes', () => {
    registerSecret('s3cr3t-key-value')
    expect(redact('key=s3cr3t-key-value here')).toBe('key=*** here')
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer ***')
    expect(redact('{"access_token":"tok123"}')).toBe('{"access_token":"***"}')
  })
})

describe('redact masks a secret in the encodings an API echoes it in', () => {
  it('as sent in a form or URL, and inside a JSON string', () => {
    const secret = '5Aep861/Token+with="quotes" & spaces'
    registerSecret(secret)
    const form = new URLSearchParams({ token: secret }).toString()
    expect(redact(`echo: ${form}`)).toBe('echo: token=***')
    expect(redact(`echo: ${encodeURIComponent(secret)}`)).toBe('echo: ***')
    expect(redact(JSON.stringify({ echo: secret }))).toBe('{"echo":"***"}')
    expect(redact(JSON.stringify({ echo: secret }).replaceAll('/', '\\/'))).toBe('{"echo":"***"}')
  })
})

describe('redact leaves prose alone', () => {
  it('masks credential members and parameters, not words after a key name', () => {
    expect(redact('/destinations/braze/config/apiKey: expected a string')).toBe(
      '/destinations/braze/config/apiKey: expected a string',
    )
    expect(redact('grant_type=password&password=hunter22&client_secret=abc')).toBe(
      'grant_type=password&password=***&client_secret=***',
    )
    expect(redact('{"refresh_token": "r-123", "ok": true}')).toBe('{"refresh_token": "***", "ok": true}')
  })
})
