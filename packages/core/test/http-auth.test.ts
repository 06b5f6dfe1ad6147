import { afterEach, describe, expect, it } from 'vitest'
import { bearerAuth, createHttpClient, headerAuth, oauthAuth } from '../src/http/index.js'
import type { HttpClient } from '../src/http/types.js'
import { json, startServer, type TestServer } from './http-server.js'

let server: TestServer | undefined
let client: HttpClient | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
})

/** A server that accepts exactly one token at a time, as an OAuth API does after a refresh. */
async function tokenServer(valid: () => string) {
  return startServer((req, res) =>
    req.headers.authorization === `Bearer ${valid()}`
      ? json(res, 200, { ok: true })
      : json(res, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]),
  )
}

describe('auth hooks', () => {
  it('sends a static bearer token and a header API key', async () => {
    server = await startServer((req, res) =>
      json(res, 200, { auth: req.headers.authorization, key: req.headers['x-api-key'] }),
    )
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth: bearerAuth('tok-static-123') })
    expect((await client.request<{ auth: string }>({ method: 'GET', path: '/' })).body.auth).toBe(
      'Bearer tok-static-123',
    )
    const keyed = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      auth: headerAuth('X-Api-Key', 'key-456789'),
    })
    expect((await keyed.request<{ key: string }>({ method: 'GET', path: '/' })).body.key).toBe('key-456789')
    await keyed.close()
  })

  it('fetches an OAuth token lazily and caches it until it expires', async () => {
    let issued = 0
    server = await tokenServer(() => `token-${issued}`)
    const auth = oauthAuth({
      fetchToken: async () => ({ accessToken: `token-${++issued}`, expiresIn: 3600 }),
    })
    expect(auth.fetches).toBe(0)
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth })
    for (let i = 0; i < 3; i++) expect((await client.request({ method: 'GET', path: '/' })).status).toBe(200)
    expect(auth.fetches).toBe(1)
  })

  it('refetches a token that has expired by its own clock', async () => {
    let issued = 0
    server = await tokenServer(() => `token-${issued}`)
    const auth = oauthAuth({
      fetchToken: async () => ({ accessToken: `token-${++issued}`, expiresAt: Date.now() - 1 }),
      earlyRefreshMs: 0,
    })
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth })
    await client.request({ method: 'GET', path: '/' })
    await client.request({ method: 'GET', path: '/' })
    expect(auth.fetches).toBe(2)
  })

  it('refreshes once on a 401 and retries that request once', async () => {
    let issued = 0
    let serverToken = 'token-1'
    server = await tokenServer(() => serverToken)
    const auth = oauthAuth({
      fetchToken: async () => ({ accessToken: `token-${++issued}`, expiresIn: 3600 }),
    })
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth })
    expect((await client.request({ method: 'GET', path: '/' })).status).toBe(200)
    serverToken = 'token-2' // the API revokes token-1
    expect((await client.request({ method: 'GET', path: '/' })).status).toBe(200)
    expect(auth.fetches).toBe(2)
    expect(server.seen.map((s) => s.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ])
  })

  it('coalesces the refreshes of concurrent 401s into one token request', async () => {
    let issued = 0
    let serverToken = 'token-1'
    server = await tokenServer(() => serverToken)
    const auth = oauthAuth({
      fetchToken: async () => {
        await new Promise((r) => setTimeout(r, 20))
        return { accessToken: `token-${++issued}`, expiresIn: 3600 }
      },
    })
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth })
    await client.request({ method: 'GET', path: '/' })
    serverToken = 'token-2'
    const results = await Promise.all(
      Array.from({ length: 8 }, () => client!.request({ method: 'GET', path: '/' })),
    )
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(auth.fetches).toBe(2)
  })

  it('hands back the 401 when a fresh token is refused too, without looping', async () => {
    server = await tokenServer(() => 'never-issued')
    const auth = oauthAuth({ fetchToken: async () => ({ accessToken: `token-${Math.random()}` }) })
    client = createHttpClient({ baseUrl: server.url, component: 'test', auth })
    const res = await client.request({ method: 'GET', path: '/' })
    expect(res.status).toBe(401)
    expect(server.seen).toHaveLength(2)
    expect(auth.fetches).toBe(2)
  })
})
