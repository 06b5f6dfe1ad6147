import { redact, registerSecret, SluiceError } from '@sluice/core/contract'
import type { HttpClient, OAuthToken } from '@sluice/core/http'
import type { ResolvedAuth } from '../config.js'
import { assertionClaims, JWT_BEARER_GRANT, signAssertion } from './jwt.js'

interface TokenAnswer {
  access_token?: string
  expires_in?: number
  token_type?: string
  error?: string
  error_description?: string
}

const HINTS: Record<string, string> = {
  invalid_grant:
    "For a service account: the key may be deleted or disabled, or this machine's clock is off. For a refresh token: it was revoked or expired; grant consent again.",
  invalid_client:
    'Check auth.clientId and auth.clientSecret against the OAuth client in the Google Cloud console.',
  unauthorized_client:
    'The OAuth client may not use this grant, or the refresh token belongs to another client.',
}

/**
 * Obtains an access token at the token endpoint: a signed JWT (service account) or a refresh token.
 * Google answers `expires_in` (about an hour); the toolkit refreshes the token before it expires.
 */
export async function fetchToken(
  http: HttpClient,
  auth: ResolvedAuth,
  signal?: AbortSignal,
): Promise<OAuthToken> {
  const form = new URLSearchParams()
  const tokenUri = auth.type === 'service_account' ? auth.key.token_uri : auth.tokenUri
  if (auth.type === 'service_account') {
    form.set('grant_type', JWT_BEARER_GRANT)
    const claims = assertionClaims(auth.key.client_email, tokenUri)
    // A signed assertion is a credential for its hour: masked wherever an echo or an error carries it.
    const assertion = signAssertion(claims, auth.key.private_key, auth.key.private_key_id)
    registerSecret(assertion)
    form.set('assertion', assertion)
  } else {
    form.set('grant_type', 'refresh_token')
    form.set('client_id', auth.clientId)
    form.set('client_secret', auth.clientSecret)
    form.set('refresh_token', auth.refreshToken)
  }
  const response = await http.request<TokenAnswer>({
    method: 'POST',
    path: tokenUri,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    ...(signal ? { signal } : {}),
  })
  const body = (typeof response.body === 'object' && response.body ? response.body : {}) as TokenAnswer
  if (response.status === 200 && typeof body.access_token === 'string' && body.access_token) {
    registerSecret(body.access_token)
    return {
      accessToken: body.access_token,
      ...(typeof body.expires_in === 'number' ? { expiresIn: body.expires_in } : {}),
    }
  }
  const error = body.error ?? `status ${response.status}`
  const who = auth.type === 'service_account' ? `service account ${auth.key.client_email}` : 'refresh token'
  throw new SluiceError(
    'auth',
    // the token endpoint's description may echo the request, credentials and all
    redact(
      `Google refused the ${who} at ${new URL(tokenUri).origin}: ${error}${body.error_description ? ` (${body.error_description})` : ''}.`,
    ),
    {
      code: 'TOKEN_REFUSED',
      component: 'sheets',
      retryable: false,
      details: { status: response.status, error },
      ...(HINTS[error] ? { hint: HINTS[error] } : {}),
    },
  )
}
