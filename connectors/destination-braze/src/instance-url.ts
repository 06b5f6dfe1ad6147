import { SluiceError } from '@sluice/core/contract'

/**
 * Braze's REST endpoints, one per instance ("cluster"): rest.iad-01 … rest.iad-08 and rest.us-10 on
 * braze.com, rest.fra-01 and rest.fra-02 on braze.eu, and the regional rest.au-01 / rest.id-01. A pattern
 * rather than a fixed list, so an instance Braze opens later is accepted without a release.
 */
const INSTANCE_HOST = /^rest\.(?:(?:iad|us|au|id)-\d{2}\.braze\.com|fra-\d{2}\.braze\.eu)$/

/** Dashboard hosts people paste by mistake, with the REST endpoint that belongs to them. */
const DASHBOARD_HOST = /^dashboard-(\d{2})\.braze\.(com|eu)$/

/**
 * Checks the configured REST endpoint and returns its origin (plus any base path a custom endpoint
 * has), without a trailing slash.
 */
export function checkInstanceUrl(raw: string, allowCustomEndpoint: boolean): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw invalid(`"${raw}" is not a URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`"${raw}" is not an http(s) URL`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw invalid('it must not carry credentials, a query or a fragment')
  }
  if (allowCustomEndpoint) return `${url.origin}${url.pathname.replace(/\/+$/, '')}`

  if (!INSTANCE_HOST.test(url.hostname)) {
    const dashboard = DASHBOARD_HOST.exec(url.hostname)
    const suggestion = dashboard
      ? ` That is a dashboard address; its REST endpoint is https://rest.${dashboard[2] === 'eu' ? 'fra' : 'iad'}-${dashboard[1]}.braze.${dashboard[2]}.`
      : ''
    throw invalid(
      `"${url.hostname}" is not a Braze REST endpoint (rest.<instance>.braze.com or rest.fra-NN.braze.eu).${suggestion}`,
      'Find yours under Settings > APIs and Identifiers, or set allowCustomEndpoint for a proxy or a fake.',
    )
  }
  if (url.protocol !== 'https:') throw invalid('Braze REST endpoints are https')
  if (url.pathname !== '/' || url.port) {
    throw invalid('use the bare endpoint, e.g. https://rest.iad-01.braze.com, without a path or port')
  }
  return url.origin
}

function invalid(reason: string, hint?: string): SluiceError {
  return new SluiceError('config', `invalid config: instanceUrl: ${reason}`, {
    code: 'INVALID_CONFIG',
    component: 'braze',
    ...(hint ? { hint } : {}),
  })
}
