import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/index.js'
import type { HttpClient } from '../src/http/types.js'
import { rateLimitScope, withSharedRateLimits } from '../src/index.js'
import { json, startServer, type TestServer } from './http-server.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

let server: TestServer | undefined
const clients: HttpClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server?.close()
})

/** The most arrivals in any span of `windowMs` (half-open, as an API counts its window). */
function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

describe('rate limits shared by scope', () => {
  it('keeps every client of one scope, together, within the sliding window at the API', async () => {
    server = await startServer((_req, res) => json(res, 200, {}))
    const rateLimit = { requests: 4, perMs: 600 }
    const scope = rateLimitScope('test', { apiKey: `key-${randomUUID()}` })
    // three "workers", each with its own client and its own concurrency, created inside the scope
    const workers = Array.from({ length: 3 }, () =>
      withSharedRateLimits({ redisUrl: REDIS_URL, scope }, () => {
        const http = createHttpClient({ baseUrl: server!.url, component: 'test', rateLimit, concurrency: 3 })
        clients.push(http)
        return Promise.all(
          Array.from({ length: 5 }, (_, i) => http.request({ method: 'GET', path: `/r${i}` })),
        )
      }),
    )
    const answers = (await Promise.all(workers)).flat()
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(200))
    expect(
      busiest(
        server.seen.map((s) => s.at),
        rateLimit.perMs,
      ),
    ).toBeLessThanOrEqual(rateLimit.requests)
  })

  it('names a quota by a hash of the destination config, never by its secret', () => {
    const secret = `s3cr3t-${randomUUID()}`
    const scope = rateLimitScope('braze', { apiKey: secret, instanceUrl: 'https://rest.iad-01.braze.com' })
    expect(scope).toMatch(/^[0-9a-f]{32}$/)
    expect(scope).not.toContain(secret)
    // the same config in another key order is the same quota; another credential is another quota
    expect(rateLimitScope('braze', { instanceUrl: 'https://rest.iad-01.braze.com', apiKey: secret })).toBe(
      scope,
    )
    expect(
      rateLimitScope('braze', { apiKey: `${secret}x`, instanceUrl: 'https://rest.iad-01.braze.com' }),
    ).not.toBe(scope)
    expect(
      rateLimitScope('sheets', { apiKey: secret, instanceUrl: 'https://rest.iad-01.braze.com' }),
    ).not.toBe(scope)
  })

  it('shares only what is created inside a scope', async () => {
    server = await startServer((_req, res) => json(res, 200, {}))
    const rateLimit = { requests: 2, perMs: 100 }
    const scoped = { redisUrl: 'redis://127.0.0.1:1', scope: 'unreachable' }
    // inside the scope the client needs the (here unreachable) Redis; outside it never tries
    const inside = withSharedRateLimits(scoped, () =>
      createHttpClient({ baseUrl: server!.url, component: 'test', rateLimit }),
    )
    const outside = createHttpClient({ baseUrl: server.url, component: 'test', rateLimit })
    clients.push(inside, outside)
    const refused = await withSharedRateLimits(scoped, () =>
      inside.request({ method: 'GET', path: '/' }).catch((error: Error) => error),
    )
    expect(String((refused as Error).message)).toContain('could not reach Redis for the shared rate limit')
    expect((await outside.request({ method: 'GET', path: '/' })).status).toBe(200)
  })
})
