import { randomBytes } from 'node:crypto'
import { http } from 'msw'
import { JWT_BEARER_GRANT, SHEETS_SCOPE, verifyAssertion } from '../auth/jwt.js'

/** A service account the fake knows: its email and the public half of its key. */
export interface FakeServiceAccount {
  email: string
  publicKey: string
  projectId?: string
}

/** An OAuth client and the refresh tokens it was granted, each for a Google user. */
export interface FakeOAuthClient {
  clientId: string
  clientSecret: string
  /** refresh token → the user's email */
  refreshTokens: Record<string, string>
  projectId?: string
}

export interface IssuedToken {
  principal: string
  project: string
  expiresAt: number
}

/** Access tokens issued by the fake's token endpoint. */
export class TokenStore {
  readonly tokens = new Map<string, IssuedToken>()
  issued = 0

  constructor(private readonly ttlSeconds: number) {}

  issue(principal: string, project: string) {
    this.issued += 1
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`
    this.tokens.set(token, { principal, project, expiresAt: Date.now() + this.ttlSeconds * 1000 })
    return { access_token: token, expires_in: this.ttlSeconds, token_type: 'Bearer', scope: SHEETS_SCOPE }
  }

  /** The token's holder, or undefined when it is unknown or expired. */
  holder(authorization: string | null): IssuedToken | undefined {
    const match = /^Bearer (.+)$/i.exec(authorization ?? '')
    const found = match ? this.tokens.get(match[1]!) : undefined
    return found && found.expiresAt > Date.now() ? found : undefined
  }
}

const oauthError = (error: string, description: string, status = 400) =>
  Response.json({ error, error_description: description }, { status })

/**
 * `POST …/token` as Google's OAuth 2.0 endpoint answers it: the JWT bearer grant (an RS256 assertion
 * verified against the service account's public key, `aud` this endpoint, the spreadsheets scope, a
 * lifetime of at most an hour that has not passed) and the refresh-token grant.
 */
export function oauthHandlers(
  store: TokenStore,
  accounts: FakeServiceAccount[],
  clients: FakeOAuthClient[],
  onRequest: () => void,
) {
  return [
    http.post('*/token', async ({ request }) => {
      onRequest()
      const form = new URLSearchParams(await request.text())
      const grant = form.get('grant_type')
      if (grant === JWT_BEARER_GRANT) {
        const assertion = form.get('assertion') ?? ''
        let iss: unknown
        try {
          iss = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).iss
        } catch {
          return oauthError('invalid_grant', 'Invalid JWT: Failed audience check.')
        }
        const account = accounts.find((a) => a.email === iss)
        if (!account) return oauthError('invalid_grant', 'Invalid grant: account not found')
        const verified = verifyAssertion(assertion, account.publicKey)
        if (!verified.ok) return oauthError('invalid_grant', verified.reason)
        const { claims } = verified
        const endpoint = new URL(request.url)
        const audiences = [`${endpoint.origin}${endpoint.pathname}`, 'https://oauth2.googleapis.com/token']
        if (!audiences.includes(claims.aud))
          return oauthError('invalid_grant', 'Invalid JWT: Failed audience check.')
        const now = Date.now() / 1000
        if (claims.exp < now || claims.iat > now + 300)
          return oauthError(
            'invalid_grant',
            'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
          )
        if (!claims.scope.split(' ').includes(SHEETS_SCOPE))
          return oauthError('invalid_scope', 'The spreadsheets scope was not requested.')
        return Response.json(store.issue(account.email, account.projectId ?? 'fake-project'))
      }
      if (grant === 'refresh_token') {
        const client = clients.find((c) => c.clientId === form.get('client_id'))
        if (!client || client.clientSecret !== form.get('client_secret'))
          return oauthError('invalid_client', 'The OAuth client was not found.', 401)
        const user = client.refreshTokens[form.get('refresh_token') ?? '']
        if (!user) return oauthError('invalid_grant', 'Token has been expired or revoked.')
        return Response.json(store.issue(user, client.projectId ?? 'fake-project'))
      }
      return oauthError('unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`)
    }),
  ]
}
