import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/index.js'
import type { HttpClient } from '../src/http/types.js'
import { json, startServer, type TestServer } from './http-server.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

let server: TestServer | undefined
const clients: HttpClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server?.close()
})

describe('a rate limit shared through Redis', () => {
  it('makes two clients with one cluster id draw from one quota', async () => {
    server = await startServer((_req, res) => json(res, 200, {}))
    const cluster = { id: `test-${randomUUID()}`, redisUrl: REDIS_URL }
    const rateLimit = { requests: 4, perMs: 1500 }
    for (let i = 0; i < 2; i++) {
      clients.push(createHttpClient({ baseUrl: server.url, component: 'test', rateLimit, cluster }))
    }
    const [a, b] = clients as [HttpClient, HttpClient]
    // Four requests from each worker: only four fit in the first window, shared.
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => a.request({ method: 'GET', path: `/a${i}` })),
      ...Array.from({ length: 4 }, (_, i) => b.request({ method: 'GET', path: `/b${i}` })),
    ])
    const times = server.seen.map((s) => s.at).sort((x, y) => x - y)
    expect(times).toHaveLength(8)
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(1000)
    // while a separate cluster id has its own quota
    const other = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      rateLimit,
      cluster: { id: `test-${randomUUID()}`, redisUrl: REDIS_URL },
    })
    clients.push(other)
    await Promise.all(Array.from({ length: 4 }, (_, i) => other.request({ method: 'GET', path: `/c${i}` })))
    const own = server.seen.filter((s) => s.url.startsWith('/c')).map((s) => s.at)
    // it starts at once instead of waiting for the shared slots (held until 1.5 s after their answers),
    // and its four requests, paced evenly, fit in one window
    expect(Math.min(...own) - times[7]!).toBeLessThan(1000)
    expect(Math.max(...own) - Math.min(...own)).toBeLessThan(rateLimit.perMs)
  })

  it('fails clearly when Redis cannot be reached', async () => {
    server = await startServer((_req, res) => json(res, 200, {}))
    const http = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      cluster: { id: `test-${randomUUID()}`, redisUrl: 'redis://:hunter2-redis@127.0.0.1:1' },
    })
    clients.push(http)
    const error = await http.request({ method: 'GET', path: '/' }).catch((e: Error) => e)
    expect(String((error as Error).message)).toContain('could not reach Redis for the shared rate limit')
    expect(String((error as Error).message)).not.toContain('hunter2-redis')
  })
})
