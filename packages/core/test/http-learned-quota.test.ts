import { afterEach, describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/index.js'
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

function clientFor(url: string, options: Partial<HttpClientOptions> = {}): HttpClient {
  client = createHttpClient({
    baseUrl: url,
    component: 'test',
    ...options,
    retry: { baseDelayMs: 5, maxDelayMs: 20, ...options.retry },
  })
  return client
}

/**
 * A server with a fixed-window quota aligned to the epoch, as Braze counts it, answering every request
 * with `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds), and 429 with `Retry-After` once
 * the window's quota is spent.
 */
async function quotaServer(requests: number, perMs: number) {
  let windowStart = Number.NEGATIVE_INFINITY
  let used = 0
  const answers: number[] = []
  const started = await startServer((req, res) => {
    const start = Math.floor(req.at / perMs) * perMs
    if (start !== windowStart) {
      windowStart = start
      used = 0
    }
    const allowed = used < requests
    if (allowed) used += 1
    const resetAt = start + perMs
    const headers = {
      'x-ratelimit-limit': String(requests),
      'x-ratelimit-remaining': String(requests - used),
      'x-ratelimit-reset': String(Math.ceil(resetAt / 1000)),
    }
    answers.push(allowed ? 200 : 429)
    if (allowed) json(res, 200, { ok: true }, headers)
    else
      json(
        res,
        429,
        { message: 'Too Many Requests' },
        {
          ...headers,
          'retry-after': String(Math.ceil((resetAt - req.at) / 1000)),
        },
      )
  })
  return { ...started, answers }
}

describe('the quota the server reveals', () => {
  it('paces to a quota a tenth of the configured one, with few 429s, and every request gets through', async () => {
    const quota = await quotaServer(10, 1_000)
    server = quota
    const http = clientFor(quota.url, { rateLimit: { requests: 100, perMs: 1_000 }, concurrency: 8 })
    const requests = 25
    const responses = await Promise.all(
      Array.from({ length: requests }, () => http.request({ method: 'POST', path: '/track', json: {} })),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(requests).fill(200))
    // Before the client learned the quota, sending the whole in-flight window into it earned more
    // 429s than successes; learning it from the first answer leaves at most a stray one at a window's edge.
    const rateLimited = quota.answers.filter((status) => status === 429).length
    expect(rateLimited).toBeLessThanOrEqual(2)
    expect(http.stats.rateLimited).toBe(rateLimited)
  })

  it('holds every further request, those queued behind the first included, until Remaining resets', async () => {
    let resetAt = 0
    server = await startServer((req, res, index) => {
      if (index === 0) {
        // "1": seconds from now, the form of X-RateLimit-Reset that is not an epoch
        resetAt = req.at + 1_000
        json(res, 200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' })
      } else json(res, 200, {}, { 'x-ratelimit-remaining': '5' })
    })
    // one in flight: the other five are queued behind the first when its answer comes in
    const http = clientFor(server.url, { rateLimit: { requests: 100, perMs: 1_000 }, concurrency: 1 })
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => http.request({ method: 'GET', path: '/r' })),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200))
    const later = server.seen.slice(1)
    expect(later).toHaveLength(5)
    for (const request of later) expect(request.at).toBeGreaterThanOrEqual(resetAt)
  })

  it('holds every request, not only the refused one, for as long as a 429 asks', async () => {
    let resumeAt = 0
    server = await startServer((req, res, index) => {
      if (index === 0) {
        resumeAt = req.at + 1_000
        json(res, 429, { message: 'slow down' }, { 'retry-after': '1' })
      } else json(res, 200, {})
    })
    const http = clientFor(server.url, { rateLimit: { requests: 100, perMs: 1_000 }, concurrency: 1 })
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => http.request({ method: 'GET', path: '/r' })),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(4).fill(200))
    expect(server.seen).toHaveLength(5)
    for (const request of server.seen.slice(1)) expect(request.at).toBeGreaterThanOrEqual(resumeAt)
  })

  it('keeps the configured limit as the upper bound when the server announces more', async () => {
    const quota = await quotaServer(1_000, 1_000)
    server = quota
    const http = clientFor(quota.url, { rateLimit: { requests: 3, perMs: 1_000 }, concurrency: 8 })
    await Promise.all(Array.from({ length: 6 }, () => http.request({ method: 'GET', path: '/r' })))
    // no span of the configured window holds more than the configured requests
    const arrivals = quota.seen.map((r) => r.at).sort((a, b) => a - b)
    for (let i = 3; i < arrivals.length; i++)
      expect(arrivals[i]! - arrivals[i - 3]!).toBeGreaterThanOrEqual(1_000)
  })
})
