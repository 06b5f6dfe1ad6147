import diagnostics from 'node:diagnostics_channel'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { isSluiceError, type SluiceError } from '../src/errors.js'
import { createHttpClient, createRetryBudget } from '../src/http/index.js'
import type { HttpClient, HttpClientOptions } from '../src/http/types.js'
import { json, startServer, type TestServer } from './http-server.js'

let server: TestServer | undefined
let client: HttpClient | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
  client = undefined
  server = undefined
})

/** Fast retries so tests that exercise them stay short. */
function clientFor(url: string, options: Partial<HttpClientOptions> = {}): HttpClient {
  client = createHttpClient({
    baseUrl: url,
    component: 'test',
    ...options,
    retry: { baseDelayMs: 5, maxDelayMs: 20, ...options.retry },
  })
  return client
}

async function caught(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise
  } catch (error) {
    if (isSluiceError(error)) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

describe('requests and responses', () => {
  it('joins the base path, sends query and headers, and parses JSON', async () => {
    server = await startServer((req, res) => json(res, 200, { got: req.url, ua: req.headers['user-agent'] }))
    const http = clientFor(`${server.url}/api/v2/`, { headers: { 'X-Api-Version': '7' } })
    const res = await http.request<{ got: string; ua: string }>({
      method: 'GET',
      path: '/users',
      query: { limit: 10, active: true, skip: undefined },
    })
    expect(res.status).toBe(200)
    expect(res.body.got).toBe('/api/v2/users?limit=10&active=true')
    expect(res.body.ua).toBe('sluice-test')
    expect(server.seen[0]?.headers['x-api-version']).toBe('7')
  })

  it('sends JSON, strings, bytes and streamed bodies', async () => {
    server = await startServer((req, res) =>
      json(res, 200, { body: req.body, type: req.headers['content-type'] }),
    )
    const http = clientFor(server.url)
    const sent = await http.request<{ body: string; type: string }>({
      method: 'POST',
      path: '/j',
      json: { name: 'Zoë', n: 1 },
    })
    expect(JSON.parse(sent.body.body)).toEqual({ name: 'Zoë', n: 1 })
    expect(sent.body.type).toBe('application/json')
    // A BIGINT column's values are bigints, small or not: each goes as an exact JSON number.
    const big = await http.request<{ body: string }>({
      method: 'POST',
      path: '/j',
      json: { small: 42n, big: 9007199254740993n, list: [-(2n ** 63n)] },
    })
    expect(big.body.body).toBe('{"small":42,"big":9007199254740993,"list":[-9223372036854775808]}')
    expect(
      (await http.request<{ body: string }>({ method: 'PUT', path: '/s', body: 'a,b\n1,2\n' })).body.body,
    ).toBe('a,b\n1,2\n')
    const bytes = new TextEncoder().encode('bytes ✓')
    expect((await http.request<{ body: string }>({ method: 'PUT', path: '/b', body: bytes })).body.body).toBe(
      'bytes ✓',
    )
    async function* rows() {
      for (let i = 0; i < 1000; i++) yield new TextEncoder().encode(`row ${i}\n`)
    }
    const streamed = await http.request<{ body: string }>({ method: 'POST', path: '/stream', body: rows() })
    expect(streamed.body.body.split('\n')).toHaveLength(1001)
    expect(streamed.body.body.startsWith('row 0\nrow 1\n')).toBe(true)
  })

  it('resolves with a 4xx response for the connector to read', async () => {
    server = await startServer((_req, res) => json(res, 400, { message: 'bad field' }))
    const res = await clientFor(server.url).request({ method: 'POST', path: '/x', json: {} })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ message: 'bad field' })
  })
})

describe('retries', () => {
  it('retries 5xx and 429 until it succeeds, and counts them', async () => {
    server = await startServer((_req, res, i) => {
      if (i === 0) return json(res, 503, { message: 'down' })
      if (i === 1) return json(res, 429, { message: 'slow down' })
      json(res, 200, { ok: true })
    })
    const http = clientFor(server.url)
    const res = await http.request({ method: 'GET', path: '/' })
    expect(res.status).toBe(200)
    expect(http.stats).toMatchObject({ requests: 3, retries: 2, rateLimited: 1 })
  })

  it('honours Retry-After in seconds', async () => {
    server = await startServer((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {}),
    )
    await clientFor(server.url).request({ method: 'GET', path: '/' })
    const waited = server.seen[1]!.at - server.seen[0]!.at
    expect(waited).toBeGreaterThanOrEqual(950)
  })

  it('honours an X-RateLimit-Reset epoch on a 429', async () => {
    server = await startServer((_req, res, i) =>
      i === 0
        ? json(res, 429, {}, { 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) })
        : json(res, 200, {}),
    )
    await clientFor(server.url).request({ method: 'GET', path: '/' })
    const waited = server.seen[1]!.at - server.seen[0]!.at
    expect(waited).toBeGreaterThanOrEqual(200)
  })

  it('fails fast when the server asks to wait longer than worth waiting', async () => {
    server = await startServer((_req, res) => json(res, 429, {}, { 'retry-after': '3600' }))
    const error = await caught(clientFor(server.url).request({ method: 'GET', path: '/' }))
    expect(error.code).toBe('RETRY_AFTER_TOO_LONG')
    expect(error.category).toBe('rate_limited')
    expect(server.seen).toHaveLength(1)
  })

  it('retries a dropped connection', async () => {
    server = await startServer((_req, res, i) => {
      if (i === 0) res.socket?.destroy()
      else json(res, 200, { ok: true })
    })
    const res = await clientFor(server.url).request({ method: 'POST', path: '/', json: { a: 1 } })
    expect(res.status).toBe(200)
    expect(server.seen).toHaveLength(2)
  })

  it('surfaces exhausted retries with the last status and a body excerpt', async () => {
    server = await startServer((_req, res) => json(res, 502, { message: 'upstream unavailable' }))
    const error = await caught(
      clientFor(server.url, { retry: { maxAttempts: 3 } }).request({ method: 'GET', path: '/a' }),
    )
    expect(error.code).toBe('RETRIES_EXHAUSTED')
    expect(error.category).toBe('transient')
    expect(error.retryable).toBe(false)
    expect(error.details).toMatchObject({ status: 502, attempts: 3 })
    expect(error.message).toContain('[sluice] [test] GET /a failed after 3 attempts')
    expect(error.message).toContain('upstream unavailable')
    expect(server.seen).toHaveLength(3)
  })

  it('shares one retry budget across the requests of a run', async () => {
    server = await startServer((_req, res) => json(res, 500, { message: 'no' }))
    const budget = createRetryBudget(3)
    const http = clientFor(server.url, { retry: { maxAttempts: 10, budget } })
    const first = await caught(http.request({ method: 'GET', path: '/1' }))
    expect(first.message).toContain('retry budget is spent')
    expect(budget.remaining).toBe(0)
    const second = await caught(http.request({ method: 'GET', path: '/2' }))
    expect(second.code).toBe('RETRIES_EXHAUSTED')
    expect(server.seen.map((s) => s.url)).toEqual(['/1', '/1', '/1', '/1', '/2'])
  })

  it('retries what retryIf asks for, after the delay it names', async () => {
    server = await startServer((_req, res, i) => json(res, 202, { queued: i < 2 }))
    const http = clientFor(server.url)
    const res = await http.request<{ queued: boolean }>({
      method: 'GET',
      path: '/',
      retryIf: (r) => ((r.body as { queued: boolean }).queued ? 50 : false),
    })
    expect(res.body.queued).toBe(false)
    expect(server.seen[2]!.at - server.seen[1]!.at).toBeGreaterThanOrEqual(45)
  })

  it('replays a body given as a function, and refuses to replay a one-shot stream', async () => {
    server = await startServer((req, res, i) =>
      i % 2 === 0 ? json(res, 503, {}) : json(res, 200, { body: req.body }),
    )
    const http = clientFor(server.url)
    async function* chunks() {
      yield new TextEncoder().encode('x,y\n')
    }
    const res = await http.request<{ body: string }>({ method: 'POST', path: '/', body: () => chunks() })
    expect(res.body.body).toBe('x,y\n')
    const error = await caught(http.request({ method: 'POST', path: '/', body: chunks() }))
    expect(error.message).toContain('a streamed body cannot be sent again')
  })
})

// undici checks these timeouts on a timer wheel of about one second, so the server stalls well past that.
describe('timeouts', () => {
  it('gives up on slow headers with a clear, retried timeout error', async () => {
    server = await startServer(async (_req, res) => {
      await delay(2500)
      if (!res.destroyed) json(res, 200, {})
    })
    const http = clientFor(server.url, { timeouts: { headersMs: 100 }, retry: { maxAttempts: 2 } })
    const error = await caught(http.request({ method: 'GET', path: '/slow' }))
    expect(error.code).toBe('RETRIES_EXHAUSTED')
    expect(error.message).toContain('headers timeout')
    expect(server.seen).toHaveLength(2)
  })

  it('gives up on a stalled body', async () => {
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"a":')
      await delay(2500)
      if (!res.destroyed) res.end('1}')
    })
    const http = clientFor(server.url, { timeouts: { bodyMs: 100 }, retry: { maxAttempts: 1 } })
    const error = await caught(http.request({ method: 'GET', path: '/' }))
    expect(error.message).toContain('body timeout')
  })

  it('reports an unreachable service as a connection error', async () => {
    const probe = await startServer(() => {})
    const url = probe.url
    await probe.close()
    const error = await caught(
      clientFor(url, { retry: { maxAttempts: 2 } }).request({ method: 'GET', path: '/' }),
    )
    expect(error.category).toBe('connection')
    expect(error.message).toContain('connection was refused')
  })

  it('stops when the signal aborts', async () => {
    server = await startServer((_req, res) => json(res, 503, {}, { 'retry-after': '5' }))
    const controller = new AbortController()
    const pending = clientFor(server.url).request({ method: 'GET', path: '/', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const error = await caught(pending)
    expect(error.category).toBe('cancelled')
  })
})

describe('limits', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    server = await startServer(async (_req, res) => {
      await delay(100)
      json(res, 200, {})
    })
    const http = clientFor(server.url, { concurrency: 3 })
    await Promise.all(Array.from({ length: 12 }, (_, i) => http.request({ method: 'GET', path: `/${i}` })))
    expect(server.maxConcurrent).toBeLessThanOrEqual(3)
    expect(http.stats.maxInFlight).toBe(3)
  })

  it('keeps to the rate limit: `requests` per window', async () => {
    const limited = await startServer((_req, res) => json(res, 200, {}))
    server = limited
    const http = clientFor(limited.url, { rateLimit: { requests: 3, perMs: 400 } })
    // When each request left the client: the server's arrival times carry the loopback's jitter on a
    // busy machine, which can bring two sends closer than the limiter let them go.
    const times: number[] = []
    const sent = (message: unknown) => {
      const { request } = message as { request: { origin: string } }
      if (request.origin === limited.url) times.push(performance.now())
    }
    diagnostics.subscribe('undici:request:create', sent)
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => http.request({ method: 'GET', path: `/${i}` })))
    } finally {
      diagnostics.unsubscribe('undici:request:create', sent)
    }
    expect(times).toHaveLength(6)
    // the fourth request had to wait for the first to leave the window, and so on
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(395)
    expect(times[5]! - times[2]!).toBeGreaterThanOrEqual(395)
  })

  it('keeps a request in the window until its answer: a late arrival cannot bunch up with the next', async () => {
    const events: string[] = []
    server = await startServer(async (req, res, i) => {
      events.push(`arrived ${req.url}`)
      // a slow first answer: the API may have counted it at any moment until now
      if (i === 0) await delay(150)
      events.push(`answered ${req.url}`)
      json(res, 200, {})
    })
    const http = clientFor(server.url, { rateLimit: { requests: 1, perMs: 20 } })
    await Promise.all([0, 1].map((i) => http.request({ method: 'GET', path: `/${i}` })))
    expect(events).toEqual(['arrived /0', 'answered /0', 'arrived /1', 'answered /1'])
  })
})
