import { registerSecret } from '../redact.js'
import type { AuthHook } from './types.js'

/** `Authorization: Bearer <token>` on every request; the token is registered as a secret. */
export function bearerAuth(token: string): AuthHook {
  registerSecret(token)
  const headers = { authorization: `Bearer ${token}` }
  return { headers: () => headers }
}

/** A static API key in a header of the API's choosing (`X-Api-Key`, `Api-Token` …). */
export function headerAuth(name: string, value: string): AuthHook {
  registerSecret(value)
  const headers = { [name.toLowerCase()]: value }
  return { headers: () => headers }
}

export interface OAuthToken {
  accessToken: string
  /** lifetime in seconds from now, as OAuth's `expires_in` */
  expiresIn?: number
  /** or an absolute expiry, epoch ms */
  expiresAt?: number
}

export interface OAuthAuthOptions {
  /** obtains a new access token (client credentials, JWT bearer, refresh token grant …) */
  fetchToken: () => Promise<OAuthToken>
  /** builds the request headers from the token; default `Authorization: Bearer <token>` */
  header?: (accessToken: string) => Record<string, string>
  /** refresh this long before the stated expiry, so a token does not expire in flight; default 30 s */
  earlyRefreshMs?: number
}

/**
 * OAuth access tokens: fetched on the first request, cached until they expire, and refreshed when the
 * API answers 401. Concurrent refreshes share one fetch, and a 401 for a token that has already been
 * replaced does not fetch again, so a burst of 401s costs one token request.
 */
export function oauthAuth(options: OAuthAuthOptions): AuthHook & { readonly fetches: number } {
  const toHeaders = options.header ?? ((token: string) => ({ authorization: `Bearer ${token}` }))
  const earlyMs = options.earlyRefreshMs ?? 30_000
  let current: { headers: Record<string, string>; expiresAt: number } | undefined
  let pending: Promise<void> | undefined
  let fetches = 0

  const fetchNow = (): Promise<void> => {
    pending ??= (async () => {
      try {
        fetches += 1
        const token = await options.fetchToken()
        registerSecret(token.accessToken)
        const expiresAt =
          token.expiresAt ?? (token.expiresIn === undefined ? Infinity : Date.now() + token.expiresIn * 1000)
        current = { headers: toHeaders(token.accessToken), expiresAt }
      } finally {
        pending = undefined
      }
    })()
    return pending
  }

  return {
    async headers() {
      if (!current || Date.now() >= current.expiresAt - earlyMs) await fetchNow()
      return current!.headers
    },
    async refresh(rejected?: Record<string, string>) {
      // Another request already replaced the token this one was sent with: use the new one.
      if (rejected && current && !sameHeaders(rejected, current.headers)) return
      await fetchNow()
    },
    get fetches() {
      return fetches
    },
  }
}

function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b)
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k])
}
