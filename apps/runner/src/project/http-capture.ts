import diagnostics from 'node:diagnostics_channel'
import { redact } from '@sluice/core'

/** One HTTP exchange as `test-row` shows it, with secrets already masked. */
export interface Exchange {
  method: string
  url: string
  requestHeaders: Record<string, string>
  requestBody: string
  status?: number
  responseHeaders: Record<string, string>
  responseBody: string
  error?: string
}

const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)$/i

function headerRecord(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (name: string, value: string) => {
    out[name.toLowerCase()] = SECRET_HEADERS.test(name) ? maskCredential(value) : redact(value)
  }
  if (typeof raw === 'string') {
    for (const line of raw.split('\r\n')) {
      const at = line.indexOf(':')
      if (at > 0) put(line.slice(0, at).trim(), line.slice(at + 1).trim())
    }
  } else if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) put(String(raw[i]), String(raw[i + 1]))
  }
  return out
}

/** Keeps the scheme so a reader sees which kind of credential went out: `Bearer ***`. */
function maskCredential(value: string): string {
  const scheme = /^(\w+)\s+/.exec(value)
  return scheme ? `${scheme[1]} ***` : '***'
}

const text = (chunk: unknown) =>
  typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : ''

/**
 * Scheme, host and port, shown as they are: a host is not a secret, though the variable that held it
 * may be registered as one (every \${env:…} value is). Credentials in the URL are dropped.
 */
function originOf(origin: string | URL | undefined): string {
  if (origin === undefined) return ''
  try {
    const url = new URL(String(origin))
    return `${url.protocol}//${url.host}`
  } catch {
    return redact(String(origin))
  }
}

interface UndiciRequest {
  origin?: string | URL
  method?: string
  path?: string
  headers?: unknown
  body?: unknown
}

/**
 * Records every HTTP exchange undici makes while `work` runs, from undici's diagnostics channels: they
 * see the connector's own requests whatever client or pool it built, without wrapping it.
 */
export async function captureHttp<T>(work: () => Promise<T>): Promise<{ result: T; exchanges: Exchange[] }> {
  const exchanges: Exchange[] = []
  const byRequest = new WeakMap<object, Exchange>()
  const on = (name: string, listener: (message: unknown) => void) => {
    diagnostics.subscribe(name, listener)
    return () => diagnostics.unsubscribe(name, listener)
  }
  const of = (message: unknown) => byRequest.get((message as { request: object }).request)
  const stops = [
    on('undici:request:create', (message) => {
      const request = (message as { request: UndiciRequest }).request
      const exchange: Exchange = {
        method: request.method ?? 'GET',
        url: `${originOf(request.origin)}${redact(request.path ?? '')}`,
        requestHeaders: headerRecord(request.headers),
        requestBody: text(request.body),
        responseHeaders: {},
        responseBody: '',
      }
      byRequest.set(request, exchange)
      exchanges.push(exchange)
    }),
    on('undici:request:bodyChunkSent', (message) => {
      const exchange = of(message)
      if (exchange && typeof (message as { request: UndiciRequest }).request.body !== 'string') {
        const body = (message as { request: UndiciRequest }).request.body
        if (!(body instanceof Uint8Array)) exchange.requestBody += text((message as { chunk: unknown }).chunk)
      }
    }),
    on('undici:request:headers', (message) => {
      const exchange = of(message)
      if (!exchange) return
      const response = (message as { response: { statusCode: number; headers: unknown[] } }).response
      exchange.status = response.statusCode
      exchange.responseHeaders = headerRecord(response.headers.map((h) => text(h)))
    }),
    on('undici:request:bodyChunkReceived', (message) => {
      const exchange = of(message)
      if (exchange) exchange.responseBody += text((message as { chunk: unknown }).chunk)
    }),
    on('undici:request:error', (message) => {
      const exchange = of(message)
      if (exchange) exchange.error = redact(String((message as { error: unknown }).error))
    }),
  ]
  try {
    const result = await work()
    for (const exchange of exchanges) {
      exchange.requestBody = redact(exchange.requestBody)
      exchange.responseBody = redact(exchange.responseBody)
    }
    return { result, exchanges }
  } finally {
    for (const stop of stops) stop()
  }
}
