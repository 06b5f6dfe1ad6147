import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { setTimeout as delay } from 'node:timers/promises'
import { getResponse, type RequestHandler } from 'msw'
import { createFakeStats, createFaults } from './faults.js'
import type { DestinationFake, FakeStats, Faults, MalformedAnswer, StorageFake } from './types.js'

/** One request as the host saw it, for checks on rates and ordering. */
export interface HostRequest {
  method: string
  path: string
  /** epoch ms when it arrived */
  at: number
  /** the status answered, or `dropped` */
  status: number | 'dropped'
}

/** What the host itself observed, beyond the fake's own counters. */
export interface HostTraffic {
  /** every request received, faulted or not */
  received: number
  /** the most requests being handled at once */
  maxInFlight: number
  /** the faults applied, by kind */
  injected: {
    rateLimited: number
    serverErrors: number
    dropped: number
    slowed: number
    malformed: number
    lost: number
  }
  /** every request in arrival order */
  log: HostRequest[]
  /**
   * Credentials the connector sent, derived or not: bearer tokens, and the values of assertion,
   * token, secret and password fields of form and JSON bodies. None may appear in any output.
   */
  credentials: Set<string>
}

export interface FakeHost {
  /** `http://127.0.0.1:<port>`: point the connector's base URL here */
  url: string
  /** the switches in force: the fake's own object, so setting one here is seen by its handlers */
  faults: Faults
  /** the fake's counters; the host adds the requests it answers itself with a fault */
  stats: FakeStats
  traffic: HostTraffic
  /** forgets the traffic log and counters (not the fake's records) */
  resetTraffic(): void
  /** resolves once the host has received at least `count` requests since the last reset */
  waitForRequests(count: number): Promise<void>
  close(): Promise<void>
}

export interface FakeHostOptions {
  /** default 0: any free port */
  port?: number
}

/**
 * Serves a fake's msw handlers on a real 127.0.0.1 port, so a connector talks to it with its real
 * undici client (msw's in-process interception does not see undici's own `request()`). Transport
 * faults are applied here, before a handler runs; an unhandled route answers 404 JSON.
 */
export async function startFakeHost(
  fake: DestinationFake | StorageFake | RequestHandler[],
  options: FakeHostOptions = {},
): Promise<FakeHost> {
  const handlers = Array.isArray(fake) ? fake : fake.handlers
  const faults = Array.isArray(fake) ? createFaults() : fake.faults
  const stats = Array.isArray(fake) ? createFakeStats() : fake.stats
  const traffic: HostTraffic = {
    received: 0,
    maxInFlight: 0,
    injected: { rateLimited: 0, serverErrors: 0, dropped: 0, slowed: 0, malformed: 0, lost: 0 },
    log: [],
    credentials: new Set(),
  }
  let inFlight = 0
  let url = ''
  let waiters: Array<{ count: number; resolve: () => void }> = []
  const wakeWaiters = () => {
    const ready = waiters.filter((w) => traffic.received >= w.count)
    waiters = waiters.filter((w) => traffic.received < w.count)
    for (const w of ready) w.resolve()
  }

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    traffic.received += 1
    const entry: HostRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      at: Date.now(),
      status: 0,
    }
    traffic.log.push(entry)
    wakeWaiters()
    const answerFault = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      stats.requests += 1
      entry.status = status
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }

    if (faults.dropConnections && faults.dropConnections > 0) {
      faults.dropConnections -= 1
      traffic.injected.dropped += 1
      stats.requests += 1
      entry.status = 'dropped'
      req.socket.destroy()
      return
    }
    if (faults.serverErrors && faults.serverErrors.count > 0) {
      faults.serverErrors.count -= 1
      traffic.injected.serverErrors += 1
      return answerFault(faults.serverErrors.status, { message: 'The fake server failed on purpose' })
    }
    const every = faults.rateLimitEvery
    if (every && every.n > 0 && traffic.received % every.n === 0) {
      traffic.injected.rateLimited += 1
      stats.rateLimited += 1
      return answerFault(
        429,
        { message: 'Too Many Requests' },
        { 'retry-after': String(every.retryAfterSeconds) },
      )
    }
    if (faults.slowMs && faults.slowMs > 0) {
      traffic.injected.slowed += 1
      // Held until the time is up or the client goes away, so a long hold leaves no timer behind.
      const gone = new AbortController()
      res.once('close', () => gone.abort())
      await delay(faults.slowMs, undefined, { signal: gone.signal }).catch(() => {})
      // The client gave up waiting: a real server would carry on, but nobody reads the answer.
      if (res.destroyed || req.socket.destroyed) {
        entry.status = 'dropped'
        return
      }
    }

    if (faults.hold) {
      await faults.hold
      if (res.destroyed || req.socket.destroyed) {
        entry.status = 'dropped'
        return
      }
    }

    const request = toFetchRequest(req, url)
    const body = await request.clone().text()
    collectCredentials(request.headers, body, traffic.credentials)
    if (faults.echoRequests && faults.echoRequests > 0) {
      faults.echoRequests -= 1
      const headers: Record<string, string> = {}
      request.headers.forEach((value, name) => {
        headers[name] = value
      })
      return answerFault(400, {
        error: 'invalid_grant',
        error_description: `echo of ${entry.method} ${entry.path}: ${JSON.stringify(headers)} ${body}`,
        message: `echo: ${body}`,
      })
    }
    const response = await getResponse(handlers, request, { baseUrl: url })
    if (!response) {
      entry.status = 404
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ error: 'not_found', message: `no fake handler for ${entry.method} ${entry.path}` }),
      )
      return
    }
    // `HttpResponse.error()` in a handler: a network error, as msw means it.
    if (response.type === 'error') {
      entry.status = 'dropped'
      req.socket.destroy()
      return
    }
    if (faults.loseAnswers && faults.loseAnswers > 0) {
      faults.loseAnswers -= 1
      traffic.injected.lost += 1
      // The handler ran: the write is applied, and only its answer never arrives.
      await response.arrayBuffer().catch(() => undefined)
      entry.status = 'dropped'
      req.socket.destroy()
      return
    }
    const malformed = faults.malformedAnswers
    if (malformed && malformed.count > 0) {
      malformed.count -= 1
      traffic.injected.malformed += 1
      // The handler ran, so whatever it wrote is applied: only the answer is lost.
      const answer = malformedAnswer(malformed.kind, await response.text())
      entry.status = answer.status
      res.writeHead(answer.status, { 'content-type': answer.contentType })
      res.end(answer.body)
      return
    }
    entry.status = response.status
    await writeResponse(response, res)
  }

  const server = createServer((req, res) => {
    inFlight += 1
    traffic.maxInFlight = Math.max(traffic.maxInFlight, inFlight)
    let done = false
    const finish = () => {
      if (!done) {
        done = true
        inFlight -= 1
      }
    }
    res.once('close', finish)
    serve(req, res).catch((error: unknown) => {
      // A bug in a fake's handler: answer 500 with it, as a server would, rather than hang the client.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'fake_handler_failed', message: String(error) }))
      } else res.destroy()
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    faults,
    stats,
    traffic,
    resetTraffic() {
      traffic.received = 0
      traffic.maxInFlight = inFlight
      traffic.injected = { rateLimited: 0, serverErrors: 0, dropped: 0, slowed: 0, malformed: 0, lost: 0 }
      traffic.log = []
    },
    waitForRequests(count) {
      if (traffic.received >= count) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push({ count, resolve }))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const CREDENTIAL_FIELD = /assertion|token|secret|password|api_?key/i

/** Adds the credentials of one request to `into`: see `HostTraffic.credentials`. */
export function collectCredentials(headers: Headers, body: string, into: Set<string>): void {
  const authorization = headers.get('authorization')
  if (authorization) into.add(authorization.replace(/^(bearer|basic)\s+/i, ''))
  for (const name of ['x-api-key', 'api-key', 'x-auth-token']) {
    const value = headers.get(name)
    if (value) into.add(value)
  }
  if (!body) return
  const add = (key: string, value: unknown) => {
    if (CREDENTIAL_FIELD.test(key) && typeof value === 'string' && value.length >= 8) into.add(value)
  }
  const contentType = headers.get('content-type') ?? ''
  if (/x-www-form-urlencoded/i.test(contentType)) {
    for (const [key, value] of new URLSearchParams(body)) add(key, value)
  } else if (/json/i.test(contentType)) {
    try {
      const walk = (value: unknown): void => {
        if (!value || typeof value !== 'object') return
        for (const [key, child] of Object.entries(value)) {
          add(key, child)
          walk(child)
        }
      }
      walk(JSON.parse(body))
    } catch {
      // not JSON after all: nothing to collect
    }
  }
}

/** A 2xx answer of `kind` in place of the API's own answer `original`. */
export function malformedAnswer(
  kind: MalformedAnswer,
  original: string,
): { status: number; contentType: string; body: string } {
  switch (kind) {
    case 'html200':
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<!DOCTYPE html><html><head><title>Service</title></head><body><h1>OK</h1></body></html>',
      }
    case 'empty201':
      return { status: 201, contentType: 'application/json', body: '' }
    case 'truncatedJson': {
      const text = original.trim() || '{"message":"success","results":[]}'
      return {
        status: 200,
        contentType: 'application/json',
        body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      }
    }
    case 'wrongShape':
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ status: 'queued' }) }
    case 'namesError':
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          message: 'Invalid API key',
          errors: 'Invalid API key: the request was not processed',
        }),
      }
  }
}

function toFetchRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  return new Request(new URL(req.url ?? '/', base), {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // a streamed request body must say so
    duplex: 'half',
  } as RequestInit)
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, response.statusText, headers)
  if (!response.body) {
    res.end()
    return
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
  await new Promise<void>((resolve, reject) => {
    body.once('error', reject)
    res.once('close', resolve)
    body.pipe(res)
  })
}
