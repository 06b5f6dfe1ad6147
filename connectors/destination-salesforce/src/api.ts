import type { Logger } from '@sluice/core/contract'
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  oauthAuth,
} from '@sluice/core/http'
import { fetchToken } from './auth/token.js'
import type { ResolvedSalesforceConfig } from './config.js'
import type { SObjectDescribe, SObjectSummary } from './describe.js'
import { apiFailure, type LimitInfo, parseLimitInfo, restErrors } from './errors.js'

/** Salesforce allows 25 concurrent long-running requests per org: never hold more open than that. */
const LONG_RUNNING_LIMIT = 25

export interface SalesforceApiOptions {
  log?: Logger
  /** an undici dispatcher for every request (tests, proxies) */
  dispatcher?: HttpClientOptions['dispatcher']
  /** overrides the HTTP toolkit's retry settings (tests use short backoffs) */
  retry?: HttpClientOptions['retry']
}

/**
 * The REST API of one org: login, the instance client (created once the login says where the
 * instance is), the daily allocation read from `Sforce-Limit-Info`, and describe results cached for
 * the connection's lifetime.
 */
export interface SalesforceApi {
  /** `/services/data/vXX.X` */
  readonly dataPath: string
  /** sends a request to the instance; non-2xx answers other than per-record ones throw */
  request<T>(request: HttpRequest, accept?: (response: HttpResponse) => boolean): Promise<HttpResponse<T>>
  describeGlobal(signal?: AbortSignal): Promise<SObjectSummary[]>
  /** `undefined` when the org has no such object */
  describe(object: string, signal?: AbortSignal): Promise<SObjectDescribe | undefined>
  /** the allocation as last reported */
  readonly limits: LimitInfo | undefined
  close(): Promise<void>
}

export function createSalesforceApi(
  config: ResolvedSalesforceConfig,
  options: SalesforceApiOptions = {},
): SalesforceApi {
  const common = {
    component: 'salesforce',
    ...(options.log ? { log: options.log } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  }
  const login = createHttpClient({ ...common, baseUrl: config.loginUrl })
  let instanceUrl: string | undefined
  const auth = oauthAuth({
    fetchToken: async () => {
      const token = await fetchToken(login, config.auth, config.loginUrl)
      instanceUrl = token.instanceUrl
      return token
    },
  })
  // Only a 401 that says the session is gone is worth a new token.
  auth.isExpired = (response) =>
    response.status === 401 && restErrors(response.body).some((e) => e.errorCode === 'INVALID_SESSION_ID')
  let client: HttpClient | undefined
  let limits: LimitInfo | undefined
  const describes = new Map<string, Promise<SObjectDescribe | undefined>>()
  const dataPath = `/services/data/v${config.apiVersion}`

  const instance = async (): Promise<HttpClient> => {
    if (client) return client
    await auth.headers()
    client ??= createHttpClient({
      ...common,
      baseUrl: instanceUrl!,
      auth,
      // Collections requests, plus lookups and Bulk job calls beside them.
      concurrency: Math.min(LONG_RUNNING_LIMIT, Math.max(4, config.collectionsConcurrency * 2)),
    })
    return client
  }

  const request = async <T>(req: HttpRequest, accept?: (response: HttpResponse) => boolean) => {
    if (limits && limits.used >= limits.max) throw apiFailure.allocationSpent(limits)
    const response = await (await instance()).request<T>(req)
    const reported = parseLimitInfo(response.headers['sforce-limit-info'])
    if (reported) limits = reported
    if ((response.status >= 200 && response.status < 300) || accept?.(response)) return response
    throw apiFailure.fromResponse(response, `${req.method} ${req.path.split('?')[0]}`, limits)
  }

  return {
    dataPath,
    request,
    async describeGlobal(signal) {
      const response = await request<{ sobjects: SObjectSummary[] }>({
        method: 'GET',
        path: `${dataPath}/sobjects`,
        ...(signal ? { signal } : {}),
      })
      return response.body.sobjects
    },
    describe(object, signal) {
      const key = object.toLowerCase()
      let pending = describes.get(key)
      if (!pending) {
        pending = request<SObjectDescribe>(
          {
            method: 'GET',
            path: `${dataPath}/sobjects/${encodeURIComponent(object)}/describe`,
            ...(signal ? { signal } : {}),
          },
          (r) => r.status === 404,
        ).then((r) => (r.status === 404 ? undefined : r.body))
        // A failed describe is not remembered: the next batch asks again.
        pending.catch(() => describes.delete(key))
        describes.set(key, pending)
      }
      return pending
    },
    get limits() {
      return limits
    },
    async close() {
      await Promise.all([login.close(), client?.close()])
    },
  }
}
