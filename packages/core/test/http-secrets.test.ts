import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isSluiceError } from '../src/errors.js'
import { bearerAuth, createHttpClient, errorFromResponse, headerAuth, oauthAuth } from '../src/http/index.js'
import type { HttpClient } from '../src/http/types.js'
import type { Logger } from '../src/logger.js'
import { json, startServer, type TestServer } from './http-server.js'

const API_KEY = 'sk_live_9f8e7d6c5b4a3210'
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-payload.sig'

let server: TestServer | undefined
let client: HttpClient | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
})

/** Everything an error could show: message, stack, details and causes, as printed. */
function everything(error: unknown): string {
  return [inspect(error, { depth: 6 }), JSON.stringify(isSluiceError(error) ? error.details : {})].join('\n')
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('secrets never leak', () => {
  it('from exhausted retries whose body echoes the key', async () => {
    server = await startServer((req, res) =>
      json(res, 500, { message: `bad key ${req.headers['x-api-key']} for Bearer ${API_KEY}` }),
    )
    client = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      auth: headerAuth('X-Api-Key', API_KEY),
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    })
    const error = await failure(client.request({ method: 'GET', path: '/', query: { api_key: API_KEY } }))
    expect(isSluiceError(error) && error.code).toBe('RETRIES_EXHAUSTED')
    expect(everything(error)).not.toContain(API_KEY)
  })

  it('from network errors, with the token in the query string', async () => {
    const probe = await startServer(() => {})
    await probe.close()
    client = createHttpClient({
      baseUrl: probe.url,
      component: 'test',
      auth: bearerAuth(TOKEN),
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    })
    const error = await failure(client.request({ method: 'GET', path: '/', query: { access_token: TOKEN } }))
    expect(everything(error)).not.toContain(TOKEN)
    expect(everything(error)).not.toContain('secret-payload')
  })

  it('from a dropped connection', async () => {
    server = await startServer((_req, res) => {
      res.socket?.destroy()
    })
    client = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      auth: bearerAuth(TOKEN),
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    })
    const error = await failure(client.request({ method: 'POST', path: '/', json: { token: TOKEN } }))
    expect(everything(error)).not.toContain(TOKEN)
  })

  it('from mapped API errors and from OAuth tokens the API echoes', async () => {
    const fresh = 'oauth-access-token-000111222'
    server = await startServer((req, res) =>
      json(res, 403, { message: `token ${req.headers.authorization} lacks scope` }),
    )
    client = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      auth: oauthAuth({ fetchToken: async () => ({ accessToken: fresh, expiresIn: 60 }) }),
    })
    const res = await client.request({ method: 'GET', path: '/' })
    const error = errorFromResponse(res, 'test')
    expect(error.category).toBe('auth')
    expect(everything(error)).not.toContain(fresh)
  })

  it('from log lines about retries', async () => {
    const lines: string[] = []
    const log: Logger = {
      debug: (m, f) => lines.push(m + JSON.stringify(f ?? {})),
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    }
    server = await startServer((_req, res, i) => {
      if (i === 0) res.socket?.destroy()
      else json(res, 200, {})
    })
    client = createHttpClient({
      baseUrl: server.url,
      component: 'test',
      auth: bearerAuth(TOKEN),
      log,
      retry: { baseDelayMs: 1 },
    })
    await client.request({ method: 'GET', path: `/users/${TOKEN}` })
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('\n')).not.toContain(TOKEN)
  })
})
