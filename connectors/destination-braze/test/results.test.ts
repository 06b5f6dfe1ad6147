import type { HttpResponse } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import { packTrackRequests } from '../src/packer.js'
import { minorErrors, runLevelError, trackOutcome, unacknowledged } from '../src/results.js'

const response = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body,
  text: JSON.stringify(body),
})

/** A request of three attribute objects (refs 'a', 'b', 'c') and two events ('e1', 'e2'). */
const request = packTrackRequests(
  [
    { array: 'attributes' as const, object: { external_id: 'a' }, ref: 'a' },
    { array: 'events' as const, object: { external_id: 'a', name: 'x', time: 't' }, ref: 'e1' },
    { array: 'attributes' as const, object: { external_id: 'b' }, ref: 'b' },
    { array: 'attributes' as const, object: { external_id: 'c' }, ref: 'c' },
    { array: 'events' as const, object: { external_id: 'b', name: 'x', time: 't' }, ref: 'e2' },
  ],
  { rule: 'total', objectsPerRequest: 75, maxRequestBytes: 4_000_000 },
).requests[0]!

describe('trackOutcome', () => {
  it('rejects the objects the minor errors name, by input_array and index, and nothing else', () => {
    const outcome = trackOutcome(
      request,
      response(201, {
        message: 'success',
        errors: [
          { type: "'email' is not a valid email address", input_array: 'attributes', index: 1 },
          { type: "'time' is not valid", input_array: 'events', index: 1 },
        ],
      }),
    )
    expect([...outcome.rejected]).toEqual([
      ['b', "'email' is not a valid email address"],
      ['e2', "'time' is not valid"],
    ])
    expect(outcome.unprocessed).toEqual([])
    expect(outcome.unattributed).toEqual([])
  })

  it('joins several errors about one object and keeps errors that name no object apart', () => {
    const outcome = trackOutcome(
      request,
      response(201, {
        message: 'success',
        errors: [
          { type: 'first', input_array: 'attributes', index: 0 },
          { type: 'second', input_array: 'attributes', index: 0 },
          'a loose minor error',
          { type: 'out of range', input_array: 'attributes', index: 9 },
        ],
      }),
    )
    expect([...outcome.rejected]).toEqual([['a', 'first; second']])
    expect(outcome.unattributed).toEqual(['a loose minor error', 'attributes[9]: out of range'])
  })

  it('hands back the objects a 400 did not process when it named the ones it refused', () => {
    const outcome = trackOutcome(
      request,
      response(400, {
        message: "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.",
        errors: [{ type: "'external_id' is not valid", input_array: 'attributes', index: 2 }],
      }),
    )
    expect([...outcome.rejected.keys()]).toEqual(['c'])
    expect(outcome.unprocessed.map((u) => u.ref)).toEqual(['a', 'b', 'e1', 'e2'])
    expect(outcome.unprocessed[0]).toMatchObject({ array: 'attributes', object: { external_id: 'a' } })
  })

  it('throws run-level errors with Braze message for the whole request', () => {
    const cases: Array<[number, unknown, string, string]> = [
      [401, { message: 'Unknown or missing REST API Key' }, 'auth', 'UNAUTHORIZED'],
      [403, { message: 'Rate plan does not support this' }, 'auth', 'FORBIDDEN'],
      [404, { message: 'Not Found' }, 'config', 'NOT_FOUND'],
      [400, { message: 'Max Input Length Exceeded' }, 'config', 'HTTP_400'],
    ]
    for (const [status, body, category, code] of cases) {
      let thrown: unknown
      try {
        trackOutcome(request, response(status, body))
      } catch (error) {
        thrown = error
      }
      expect(thrown).toMatchObject({ category, code, retryable: false })
      expect((thrown as Error).message).toContain(
        `/users/track answered ${status}: ${(body as { message: string }).message}`,
      )
      expect((thrown as Error).message).toMatch(/^\[sluice\] \[braze\] /)
    }
  })
})

describe('minorErrors and runLevelError', () => {
  it('reads errors as strings, with type or with message', () => {
    expect(
      minorErrors({
        errors: ['plain', { message: 'as message' }, { type: 'as type', input_array: 'purchases', index: 0 }],
      }),
    ).toEqual({
      indexed: [{ array: 'purchases', index: 0, reason: 'as type' }],
      unattributed: ['plain', 'as message'],
    })
    expect(minorErrors({ message: 'success' })).toEqual({ indexed: [], unattributed: [] })
  })

  it('gives a hint for a rejected key', () => {
    const error = runLevelError(
      response(401, { message: 'Unknown or missing REST API Key' }),
      '/users/delete',
    )
    expect(error.hint).toMatch(/apiKey and instanceUrl/)
    expect(error.details).toEqual({ status: 401, endpoint: '/users/delete' })
  })
})

describe('acknowledgements', () => {
  const raw = (status: number, text: string, contentType = 'application/json'): HttpResponse => {
    let body: unknown = text
    try {
      if (/json/.test(contentType) && text) body = JSON.parse(text)
    } catch {}
    return { status, headers: { 'content-type': contentType }, body, text }
  }

  it('marks no object of a 2xx that is not Braze acknowledgement, and says what was wrong', () => {
    const cases: Array<[HttpResponse, RegExp]> = [
      [raw(200, '<html><body>OK</body></html>', 'text/html'), /not JSON/],
      [raw(201, ''), /an empty body/],
      [raw(201, '{"message":"succ'), /JSON that does not parse/],
      [response(200, { status: 'queued' }), /no "message": "success"/],
      [response(201, { message: 'success', errors: 'Invalid API key' }), /"errors" that is not a list/],
      [response(200, { message: 'Invalid API key' }), /the message "Invalid API key"/],
      [response(201, { message: 'success', attributes_processed: 'all' }), /"attributes_processed"/],
      [response(200, ['success']), /not a JSON object/],
    ]
    for (const [answer, problem] of cases) {
      let thrown: unknown
      try {
        trackOutcome(request, answer)
      } catch (error) {
        thrown = error
      }
      expect(thrown, answer.text).toMatchObject({ code: 'UNACKNOWLEDGED', category: 'transient' })
      expect((thrown as Error).message).toMatch(problem)
    }
  })

  it('takes the documented answers of /users/track and /users/delete', () => {
    expect(unacknowledged(response(201, { message: 'success', attributes_processed: 3 }), 'track')).toBe(
      undefined,
    )
    expect(unacknowledged(response(202, { message: 'queued' }), 'track')).toBe(undefined)
    expect(unacknowledged(response(201, { deleted: 2, message: 'success' }), 'delete')).toBe(undefined)
    expect(unacknowledged(response(201, { deleted: 'two', message: 'success' }), 'delete')).toMatch(
      /"deleted"/,
    )
    expect(unacknowledged(response(200, { message: 'queued' }), 'delete')).toMatch(/"queued"/)
  })
})
