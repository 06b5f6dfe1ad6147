import { redact, registerSecret, SluiceError } from '@sluice/core/contract'
import type { HttpClient, OAuthToken } from '@sluice/core/http'
import type { SalesforceAuthConfig } from '../config.js'
import { assertionClaims, audienceFor, signAssertion } from './jwt.js'

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** What the token endpoint answers on success. */
interface TokenResponse {
  access_token: string
  instance_url: string
  token_type?: string
  issued_at?: string
}

export interface SalesforceToken extends OAuthToken {
  /** the org's instance, where the REST API lives */
  instanceUrl: string
}

/** Hints for the token endpoint's documented errors. */
const LOGIN_HINTS: Record<string, string> = {
  invalid_client_id:
    "Check auth.clientId: it must be the connected app's consumer key, and the app must be installed in this org.",
  invalid_client: 'Check auth.clientSecret against the connected app.',
  invalid_grant:
    'For the JWT flow: the certificate uploaded to the connected app must match auth.privateKey, the user must be pre-authorised (profile or permission set), loginUrl must be the host the user logs in on (login, test or My Domain) and the clock must be right. For the refresh-token flow: the refresh token was revoked or expired; issue a new one.',
  unsupported_grant_type: 'The connected app does not allow this OAuth flow.',
}

/**
 * Obtains an access token from `<loginUrl>/services/oauth2/token` by the configured flow. Tokens carry
 * no lifetime in Salesforce's answer (the session timeout is an org setting), so the toolkit keeps one
 * until the API answers 401 INVALID_SESSION_ID and then calls this again.
 */
export async function fetchToken(
  login: HttpClient,
  auth: SalesforceAuthConfig,
  loginUrl: string,
  signal?: AbortSignal,
): Promise<SalesforceToken> {
  const form = new URLSearchParams()
  if (auth.type === 'jwt') {
    form.set('grant_type', JWT_GRANT)
    const audience = auth.audience ?? audienceFor(loginUrl)
    const assertion = signAssertion(assertionClaims(auth.clientId, auth.username, audience), auth.privateKey)
    // A signed assertion is a credential for its few minutes of life: never shown.
    registerSecret(assertion)
    form.set('assertion', assertion)
  } else {
    form.set('grant_type', 'refresh_token')
    form.set('client_id', auth.clientId)
    if (auth.clientSecret) form.set('client_secret', auth.clientSecret)
    form.set('refresh_token', auth.refreshToken)
  }
  const response = await login.request<TokenResponse | { error?: string; error_description?: string }>({
    method: 'POST',
    path: '/services/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    ...(signal ? { signal } : {}),
  })
  const body = response.body as Partial<TokenResponse> & { error?: string; error_description?: string }
  if (
    response.status === 200 &&
    typeof body.access_token === 'string' &&
    typeof body.instance_url === 'string'
  ) {
    registerSecret(body.access_token)
    return { accessToken: body.access_token, instanceUrl: body.instance_url.replace(/\/+$/, '') }
  }
  const error = body.error ?? `status ${response.status}`
  const flow = auth.type === 'jwt' ? 'JWT bearer' : 'refresh-token'
  throw new SluiceError(
    'auth',
    redact(
      `Salesforce refused the ${flow} login at ${loginUrl}: ${error}${body.error_description ? ` (${body.error_description})` : ''}.`,
    ),
    {
      code: 'LOGIN_FAILED',
      component: 'salesforce',
      details: { status: response.status, error: redact(String(error)) },
      ...(LOGIN_HINTS[error] ? { hint: LOGIN_HINTS[error] } : {}),
    },
  )
}
