import type { Logger } from '@sluice/core/contract'
import {
  bearerAuth,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
} from '@sluice/core/http'
import type { ResolvedBrazeConfig } from './config.js'
import { runLevelError, unacknowledged } from './results.js'

/** Requests in flight at once per endpoint family: enough to reach 1,000 requests a second. */
const CONCURRENCY = 16

/** /custom_attributes shares 1,000 requests an hour with /events and /purchases/product_list. */
const CUSTOM_ATTRIBUTES_LIMIT = { requests: 1_000, perMs: 3_600_000 }

export interface CustomAttributeInfo {
  name: string
  data_type?: string
  description?: string | null
  status?: string
}

/** The Braze REST endpoints the connector calls, each family behind its own documented rate limit. */
export interface BrazeApi {
  /**
   * POST /users/track, with the body as a value to serialise or as JSON text already; `idempotent`
   * says whether a 202 "queued" answer may be sent again
   */
  track(
    body: unknown,
    options: { idempotent: boolean; signal?: AbortSignal; onRetry?: HttpRequest['onRetry'] },
  ): Promise<HttpResponse>
  /** POST /users/delete */
  deleteUsers(body: unknown, signal?: AbortSignal): Promise<HttpResponse>
  /** GET /custom_attributes, every page, following the Link header */
  customAttributes(signal?: AbortSignal, pages?: number): Promise<CustomAttributeInfo[]>
  close(): Promise<void>
}

export interface BrazeApiOptions {
  log?: Logger
  /** an undici dispatcher for every request (tests, proxies) */
  dispatcher?: HttpClientOptions['dispatcher']
  /** overrides the HTTP toolkit's retry settings (tests use short backoffs); `budget` is the run's */
  retry?: HttpClientOptions['retry']
}

export function createBrazeApi(config: ResolvedBrazeConfig, options: BrazeApiOptions = {}): BrazeApi {
  const auth = bearerAuth(config.apiKey)
  const common = {
    baseUrl: config.baseUrl,
    component: 'braze',
    auth,
    concurrency: CONCURRENCY,
    ...(options.log ? { log: options.log } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  }
  // One client and one quota per endpoint family, created on first use: a sync that only tracks
  // never opens the delete client.
  const track = family(() => createHttpClient({ ...common, rateLimit: config.rateLimit.track }))
  const remove = family(() => createHttpClient({ ...common, rateLimit: config.rateLimit.delete }))
  const other = family(() => createHttpClient({ ...common, rateLimit: CUSTOM_ATTRIBUTES_LIMIT }))

  return {
    track(body, { idempotent, signal, onRetry }) {
      return track.request({
        method: 'POST',
        path: '/users/track',
        ...(typeof body === 'string'
          ? { body, headers: { 'content-type': 'application/json' } }
          : { json: body }),
        ...(signal ? { signal } : {}),
        ...(onRetry ? { onRetry } : {}),
        // Braze queues requests during maintenance and answers 202 "queued" before processing them:
        // sending attributes again is harmless and yields their per-object errors; events are not
        // sent twice, since the queued ones will be recorded. A 2xx that is no acknowledgement at all
        // (a gateway's page, a cut body) is sent again too when sending twice is harmless.
        retryIf: (response) => idempotent && (isQueued(response) || isUnacknowledged(response, 'track')),
      })
    },
    deleteUsers(body, signal) {
      return remove.request({
        method: 'POST',
        path: '/users/delete',
        json: body,
        ...(signal ? { signal } : {}),
        retryIf: (response) => isQueued(response) || isUnacknowledged(response, 'delete'),
      })
    },
    async customAttributes(signal, pages = Number.POSITIVE_INFINITY) {
      const attributes: CustomAttributeInfo[] = []
      let path: string | undefined = '/custom_attributes'
      for (let page = 0; path && page < pages; page++) {
        const response: HttpResponse = await other.request({
          method: 'GET',
          path,
          ...(signal ? { signal } : {}),
        })
        if (response.status < 200 || response.status >= 300)
          throw runLevelError(response, '/custom_attributes')
        const listed = (response.body as { attributes?: unknown }).attributes
        if (Array.isArray(listed)) attributes.push(...(listed as CustomAttributeInfo[]))
        path = nextLink(response.headers.link)
      }
      return attributes
    },
    async close() {
      await Promise.all([track.close(), remove.close(), other.close()])
    },
  }
}

/**
 * An endpoint family: its HTTP client, created lazily. Braze's advice to pause when
 * `X-RateLimit-Remaining` reaches 0, until `X-RateLimit-Reset`, is the HTTP toolkit's to follow: it
 * learns a quota smaller than the configured one (a smaller plan, other senders) from those headers.
 */
function family(create: () => HttpClient) {
  let client: HttpClient | undefined
  return {
    request(request: HttpRequest): Promise<HttpResponse> {
      client ??= create()
      return client.request(request)
    },
    async close() {
      await client?.close()
      client = undefined
    },
  }
}

function isUnacknowledged(response: HttpResponse, endpoint: 'track' | 'delete'): boolean {
  return response.status >= 200 && response.status < 300 && unacknowledged(response, endpoint) !== undefined
}

function isQueued(response: HttpResponse): boolean {
  return response.status === 202 && (response.body as { message?: unknown } | undefined)?.message === 'queued'
}

/** The `rel="next"` target of a Link header (RFC 8288), if any. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim())
    if (match && /\brel="?next"?/i.test(match[2]!)) return match[1]
  }
  return undefined
}
