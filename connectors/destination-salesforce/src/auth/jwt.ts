import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto'

/**
 * The JWT assertion of Salesforce's OAuth 2.0 JWT bearer flow: header `{"alg":"RS256"}`, claims
 * `iss` (the connected app's consumer key), `sub` (the username), `aud` (the login host) and `exp`
 * (seconds since the epoch, at most a few minutes ahead), signed with SHA-256 RSA.
 */
export interface JwtClaims {
  iss: string
  sub: string
  aud: string
  exp: number
}

/** How far ahead the assertion expires; Salesforce accepts up to 3 minutes past the present. */
export const ASSERTION_LIFETIME_SECONDS = 180

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url')
}

/** Signs a JWT bearer assertion with the connected app's private key (PEM, PKCS#1 or PKCS#8). */
export function signAssertion(claims: JwtClaims, privateKey: string | KeyObject): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  const signingInput = `${base64url(JSON.stringify({ alg: 'RS256' }))}.${base64url(JSON.stringify(claims))}`
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key)
  return `${signingInput}.${base64url(signature)}`
}

/** The claims for a login now. */
export function assertionClaims(
  clientId: string,
  username: string,
  audience: string,
  now = Date.now(),
): JwtClaims {
  return {
    iss: clientId,
    sub: username,
    aud: audience,
    exp: Math.floor(now / 1000) + ASSERTION_LIFETIME_SECONDS,
  }
}

/**
 * The `aud` Salesforce expects for a login host. It is never a My Domain: production orgs and their
 * My Domains take `https://login.salesforce.com`, sandboxes `https://test.salesforce.com`, and an
 * Experience Cloud site (or any other host) its own URL.
 */
export function audienceFor(loginUrl: string): string {
  const url = new URL(loginUrl)
  const host = url.hostname.toLowerCase()
  const sandbox =
    host === 'test.salesforce.com' ||
    host.endsWith('.sandbox.my.salesforce.com') ||
    /^[^.]+--[^.]+\.my\.salesforce\.com$/.test(host) ||
    /^cs\d+\.salesforce\.com$/.test(host)
  if (sandbox) return 'https://test.salesforce.com'
  if (host === 'salesforce.com' || host.endsWith('.salesforce.com')) return 'https://login.salesforce.com'
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export type VerifiedAssertion = { ok: true; claims: JwtClaims } | { ok: false; reason: string }

/**
 * Checks an assertion the way the token endpoint does: three parts, RS256, a signature made by the
 * key behind `publicKey` (PEM or X.509 certificate), and well-formed claims.
 */
export function verifyAssertion(assertion: string, publicKey: string | KeyObject): VerifiedAssertion {
  const parts = assertion.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'the assertion is not a signed JWT' }
  const [header, payload, signature] = parts as [string, string, string]
  let alg: unknown
  let claims: Record<string, unknown>
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return { ok: false, reason: 'the assertion is not valid JSON' }
  }
  if (alg !== 'RS256') return { ok: false, reason: `the assertion is signed with ${String(alg)}, not RS256` }
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey
  const valid = createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(key, Buffer.from(signature, 'base64url'))
  if (!valid) return { ok: false, reason: 'the signature does not match the certificate' }
  const exp = typeof claims.exp === 'string' ? Number(claims.exp) : claims.exp
  if (
    typeof claims.iss !== 'string' ||
    typeof claims.sub !== 'string' ||
    typeof claims.aud !== 'string' ||
    typeof exp !== 'number' ||
    !Number.isFinite(exp)
  ) {
    return { ok: false, reason: 'the assertion lacks iss, sub, aud or exp' }
  }
  return { ok: true, claims: { iss: claims.iss, sub: claims.sub, aud: claims.aud, exp } }
}
