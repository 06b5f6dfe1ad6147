import { createPublicKey, type KeyObject } from 'node:crypto'
import { http } from 'msw'
import { verifyAssertion } from '../auth/jwt.js'
import { type FakeContext, json } from './context.js'

export interface FakeOAuthOptions {
  /** the connected app's consumer key; default `fake-consumer-key` */
  clientId?: string
  /** the connected app's consumer secret, checked on the refresh-token grant when given */
  clientSecret?: string
  /** the certificate (or public key, PEM) uploaded to the connected app; without it JWT logins fail */
  publicKey?: string | KeyObject
  /** usernames pre-authorised for the app; default `integration@example.com` */
  users?: string[]
  /** refresh tokens the org knows; default `fake-refresh-token` */
  refreshTokens?: string[]
  /** audiences accepted besides the login host the request came to (login, test or a My Domain) */
  audiences?: string[]
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const ORG_ID = '00D5g000004FakeEAA'

const oauthError = (error: string, description: string, status = 400) =>
  json({ error, error_description: description }, status)

/**
 * `POST /services/oauth2/token`: the JWT bearer grant (RS256 assertion checked against the connected
 * app's certificate: `iss` the consumer key, `sub` an authorised user, `aud` the login host, `exp` in
 * the future) and the refresh-token grant, answering errors as Salesforce does (`invalid_grant` …).
 */
export function oauthHandlers(ctx: FakeContext, options: FakeOAuthOptions) {
  const clientId = options.clientId ?? 'fake-consumer-key'
  const users = new Set(options.users ?? ['integration@example.com'])
  const refreshTokens = new Set(options.refreshTokens ?? ['fake-refresh-token'])
  const publicKey =
    typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey

  const issue = (request: Request, refresh: boolean) => {
    const origin = new URL(request.url).origin
    const accessToken = ctx.sessions.issue()
    return json({
      access_token: accessToken,
      ...(refresh ? { signature: 'fake-signature' } : {}),
      scope: 'api',
      instance_url: origin,
      id: `${origin}/id/${ORG_ID}/0055g00000FakeUAAQ`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    })
  }

  return [
    http.post('*/services/oauth2/token', async ({ request }) => {
      ctx.stats.requests += 1
      const form = new URLSearchParams(await request.text())
      const grant = form.get('grant_type')
      if (grant === JWT_GRANT) {
        const assertion = form.get('assertion')
        if (!assertion || !publicKey) return oauthError('invalid_grant', 'invalid assertion')
        const verified = verifyAssertion(assertion, publicKey)
        if (!verified.ok) return oauthError('invalid_grant', 'invalid assertion')
        const { claims } = verified
        if (claims.iss !== clientId) return oauthError('invalid_client_id', 'client identifier invalid')
        const audiences = new Set([
          new URL(request.url).origin,
          'https://login.salesforce.com',
          'https://test.salesforce.com',
          ...(options.audiences ?? []),
        ])
        if (!audiences.has(claims.aud.replace(/\/+$/, '')))
          return oauthError('invalid_grant', 'audience is invalid')
        if (claims.exp * 1000 <= Date.now()) return oauthError('invalid_grant', 'expired authorization code')
        if (!users.has(claims.sub)) return oauthError('invalid_grant', "user hasn't approved this consumer")
        return issue(request, false)
      }
      if (grant === 'refresh_token') {
        if (form.get('client_id') !== clientId)
          return oauthError('invalid_client_id', 'client identifier invalid')
        if (options.clientSecret && form.get('client_secret') !== options.clientSecret) {
          return oauthError('invalid_client', 'invalid client credentials')
        }
        const token = form.get('refresh_token')
        if (!token || !refreshTokens.has(token))
          return oauthError('invalid_grant', 'expired access/refresh token')
        return issue(request, true)
      }
      return oauthError('unsupported_grant_type', 'grant type not supported')
    }),
  ]
}
