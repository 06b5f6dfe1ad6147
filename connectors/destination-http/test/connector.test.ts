import { type FakeHost, startFakeHost } from '@sluice/conformance/fake'
import {
  type ConnectorContext,
  capabilitiesOf,
  isSluiceError,
  silentLogger,
  type Value,
} from '@sluice/core/contract'
import { HttpResponse, http as route } from 'msw'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeReceiver, fakeReceiverConfig } from '../src/fake/index.js'
import http from '../src/index.js'

const ctx = (): ConnectorContext => ({ signal: new AbortController().signal, log: silentLogger })
let host: FakeHost | undefined
afterEach(async () => {
  await host?.close()
  host = undefined
})

const record = (id: string, fields: Record<string, unknown> = {}) => ({
  identifier: id,
  fields: { id, ...fields } as Record<string, Value>,
})

describe('capabilities from the config', () => {
  it('offers the behaviours its templates make possible, with its own limits', () => {
    const caps = capabilitiesOf(http, {
      url: 'https://api.example.com',
      batchSize: 25,
      concurrency: 2,
      rateLimit: { requests: 5, perMs: 1000 },
      operations: {
        upsert: { method: 'PUT', path: '/x/{{$identifier}}' },
        clear: { method: 'PATCH', path: '/x' },
      },
    })
    expect(caps).toEqual({
      behaviours: ['upsert', 'mirror'],
      deleteBehaviours: ['nothing', 'clear'],
      batchSize: 25,
      concurrency: 2,
      rateLimit: { requests: 5, perMs: 1000 },
    })
  })

  it('refuses a template whose placeholder is not a field path', () => {
    expect(() =>
      http.connect(
        { url: 'https://api.example.com', operations: { append: { method: 'POST', path: '/{{a + b}}' } } },
        ctx(),
      ),
    ).toThrow(/operations\.append\.path/)
  })
})

describe('answers', () => {
  it('single mode: a 4xx rejects its record with the API message, the others succeed', async () => {
    const fake = createFakeReceiver()
    fake.faults.rejectWhere = (r) => (r.id === 'b' ? 'email is malformed' : undefined)
    host = await startFakeHost(fake)
    const destination = http.connect(fakeReceiverConfig(host.url), ctx())
    const results = await destination.write(
      { object: 'people', operation: 'upsert', identifierField: 'id', records: [record('a'), record('b')] },
      ctx(),
    )
    expect(results[0]).toEqual({ status: 'succeeded' })
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('email is malformed'),
    })
    await destination.close?.()
  })

  it('auth failures fail the write as an auth error, and the token never shows', async () => {
    host = await startFakeHost(createFakeReceiver())
    const destination = http.connect(fakeReceiverConfig(host.url, { token: 'not-the-token-1234' }), ctx())
    const error = await destination
      .write({ object: 'people', operation: 'upsert', identifierField: 'id', records: [record('a')] }, ctx())
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.category).toBe('auth')
    expect(String(error)).not.toContain('not-the-token-1234')
    await destination.close?.()
  })

  it('batch mode: an answer without a result for every record fails the request', async () => {
    host = await startFakeHost([
      route.post('/people/batch', () => HttpResponse.json({ ok: true, results: [{ id: 'a', ok: true }] })),
    ])
    const destination = http.connect(fakeReceiverConfig(host.url, { mode: 'batch' }), ctx())
    const error = await destination
      .write(
        { object: 'people', operation: 'upsert', identifierField: 'id', records: [record('a'), record('b')] },
        ctx(),
      )
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.code).toBe('UNACKNOWLEDGED')
    await destination.close?.()
  })

  it('batch mode without results is all or nothing', async () => {
    let body: unknown
    host = await startFakeHost([
      route.post('/people/bulk', async ({ request }) => {
        body = await request.json()
        return new HttpResponse(null, { status: 204 })
      }),
    ])
    const destination = http.connect(
      {
        url: host.url,
        mode: 'batch',
        operations: { append: { method: 'POST', path: '/{{$object}}/bulk', body: { n: '{{n}}' } } },
      },
      ctx(),
    )
    const results = await destination.write(
      {
        object: 'people',
        operation: 'append',
        identifierField: 'id',
        records: [record('a', { n: 1 }), record('b', { n: 2 })],
      },
      ctx(),
    )
    expect(results).toEqual([{ status: 'succeeded' }, { status: 'succeeded' }])
    expect(body).toEqual([{ n: 1 }, { n: 2 }])
    await destination.close?.()
  })

  it('check sends the configured probe and fails on bad credentials', async () => {
    host = await startFakeHost(createFakeReceiver())
    await http.connect(fakeReceiverConfig(host.url), ctx()).check(ctx())
    const error = await http
      .connect(fakeReceiverConfig(host.url, { token: 'wrong-token-5678' }), ctx())
      .check(ctx())
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.category).toBe('auth')
  })
})
