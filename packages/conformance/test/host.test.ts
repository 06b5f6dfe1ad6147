import { HttpResponse, http } from 'msw'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createFaults,
  type FakeHost,
  rejectionFor,
  startFakeHost,
  takeExpiredToken,
  trackRequest,
} from '../src/index.js'
import { createRecordsFake, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from './fixtures/records-fake.js'

let host: FakeHost | undefined
afterEach(async () => {
  await host?.close()
  host = undefined
})

async function call(url: string, init: RequestInit & { body?: unknown } = {}) {
  const res = await fetch(url, { ...init, duplex: 'half' } as RequestInit)
  const text = await res.text()
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    text,
    json: () => JSON.parse(text) as unknown,
  }
}

async function token(url: string): Promise<string> {
  const res = await call(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: FAKE_CLIENT_ID,
      client_secret: FAKE_CLIENT_SECRET,
    }).toString(),
  })
  return (res.json() as { access_token: string }).access_token
}

describe('the fake-API host', () => {
  it("serves a fake's handlers on loopback with request bodies and state", async () => {
    const fake = createRecordsFake()
    host = await startFakeHost(fake)
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const auth = { authorization: `Bearer ${await token(host.url)}`, 'content-type': 'application/json' }
    const res = await call(`${host.url}/v1/objects/contacts/batch`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        operation: 'upsert',
        records: [{ id: 'c1', fields: { email: 'ä@example.com' } }],
      }),
    })
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ results: [{ id: 'c1', status: 'ok' }] })
    expect(fake.records('contacts').get('c1')).toEqual({ id: 'c1', email: 'ä@example.com' })
    expect(fake.stats.maxRecordsPerRequest).toBe(1)
  })

  it('streams large request bodies through to the handler', async () => {
    let received = 0
    host = await startFakeHost([
      http.post('/upload', async ({ request: req }) => {
        received = (await req.arrayBuffer()).byteLength
        return HttpResponse.json({ received })
      }),
    ])
    async function* chunks() {
      for (let i = 0; i < 64; i++) yield new Uint8Array(64 * 1024).fill(65)
    }
    const res = await call(`${host.url}/upload`, { method: 'POST', body: chunks() })
    expect(res.status).toBe(200)
    expect(received).toBe(64 * 64 * 1024)
  })

  it('answers 404 JSON for a route no handler knows', async () => {
    host = await startFakeHost([])
    const res = await call(`${host.url}/nope?x=1`)
    expect(res.status).toBe(404)
    expect(res.json()).toMatchObject({ error: 'not_found', message: 'no fake handler for GET /nope?x=1' })
  })

  it('answers every Nth request 429 with Retry-After, and counts it', async () => {
    host = await startFakeHost([http.get('/ok', () => HttpResponse.json({ ok: true }))])
    host.faults.rateLimitEvery = { n: 3, retryAfterSeconds: 7 }
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await call(`${host.url}/ok`)
      statuses.push(res.status)
      if (res.status === 429) expect(res.headers['retry-after']).toBe('7')
    }
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429])
    expect(host.stats.rateLimited).toBe(2)
    expect(host.traffic.injected.rateLimited).toBe(2)
  })

  it('answers a burst of server errors, then recovers', async () => {
    host = await startFakeHost([http.get('/ok', () => HttpResponse.json({ ok: true }))])
    host.faults.serverErrors = { count: 2, status: 503 }
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await call(`${host.url}/ok`)).status)
    expect(statuses).toEqual([503, 503, 200])
    expect(host.faults.serverErrors.count).toBe(0)
  })

  it('slows responses down', async () => {
    host = await startFakeHost([http.get('/ok', () => HttpResponse.json({ ok: true }))])
    host.faults.slowMs = 200
    const started = Date.now()
    expect((await call(`${host.url}/ok`)).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(host.traffic.injected.slowed).toBe(1)
  })

  it('drops connections without an answer', async () => {
    host = await startFakeHost([
      http.get('/ok', () => HttpResponse.json({ ok: true })),
      http.get('/broken', () => HttpResponse.error()),
    ])
    host.faults.dropConnections = 1
    await expect(call(`${host.url}/ok`)).rejects.toMatchObject({
      cause: { code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/) },
    })
    expect((await call(`${host.url}/ok`)).status).toBe(200)
    await expect(call(`${host.url}/broken`)).rejects.toBeDefined()
    expect(host.traffic.log.map((r) => r.status)).toEqual(['dropped', 200, 'dropped'])
  })

  it('counts the most requests in flight at once', async () => {
    // Each answer waits until all five requests have arrived, so they overlap however slow the machine.
    let arrived = 0
    let allIn: () => void = () => {}
    const barrier = new Promise<void>((resolve) => {
      allIn = resolve
    })
    host = await startFakeHost([
      http.get('/ok', async () => {
        if (++arrived === 5) allIn()
        await barrier
        return HttpResponse.json({})
      }),
    ])
    await Promise.all(Array.from({ length: 5 }, () => call(`${host!.url}/ok`)))
    expect(host.traffic.maxInFlight).toBe(5)
  })
})

describe('fault helpers for fakes', () => {
  it('consumes an expired token once, picks rejections and tracks request sizes', () => {
    const faults = createFaults({
      expireTokens: true,
      rejectWhere: (r) => (r.email === 'bad' ? 'invalid email' : undefined),
    })
    expect(takeExpiredToken(faults)).toBe(true)
    expect(takeExpiredToken(faults)).toBe(false)
    expect(rejectionFor(faults, { email: 'bad' })).toBe('invalid email')
    expect(rejectionFor(faults, { email: 'ok' })).toBeUndefined()
    const stats = { requests: 0, maxRecordsPerRequest: 0, rateLimited: 0 }
    trackRequest(stats, 40)
    trackRequest(stats, 12)
    expect(stats.maxRecordsPerRequest).toBe(40)
  })
})
