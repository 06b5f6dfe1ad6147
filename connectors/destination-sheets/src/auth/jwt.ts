import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto'

/**
 * The assertion of Google's service-account flow (OAuth 2.0 JWT bearer grant): header
 * `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`, claims `iss` (the service account's email),
 * `scope`, `aud` (the key's token_uri), `iat` and `exp` (at most an hour after `iat`), signed with
 * SHA-256 RSA by the key's private key.
 */
export interface JwtClaims {
  iss: string
  scope: string
  aud: string
  iat: number
  exp: number
}

/** The scope that reads and writes spreadsheets. */
export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets'

/** Google accepts assertions valid for at most an hour. */
export const ASSERTION_LIFETIME_SECONDS = 3600

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

const base64url = (input: Buffer | string) => Buffer.from(input).toString('base64url')

export function assertionClaims(clientEmail: string, tokenUri: string, now = Date.now()): JwtClaims {
  const iat = Math.floor(now / 1000)
  return { iss: clientEmail, scope: SHEETS_SCOPE, aud: tokenUri, iat, exp: iat + ASSERTION_LIFETIME_SECONDS }
}

/** Signs an assertion with the service account's private key (PEM, PKCS#8 as key files hold it). */
export function signAssertion(claims: JwtClaims, privateKey: string | KeyObject, keyId?: string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  const header = { alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) }
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key)
  return `${signingInput}.${base64url(signature)}`
}

export type VerifiedAssertion =
  | { ok: true; claims: JwtClaims; keyId: string | undefined }
  | { ok: false; reason: string }

/** The key id an assertion names, read before its signature is checked (to pick the public key). */
export function assertionKeyId(assertion: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(assertion.split('.')[0] ?? '', 'base64url').toString('utf8'))
    return typeof header.kid === 'string' ? header.kid : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks an assertion the way Google's token endpoint does: three parts, RS256, signed by the key
 * behind `publicKey`, and the claims present with `exp` after `iat` by at most an hour.
 */
export function verifyAssertion(assertion: string, publicKey: string | KeyObject): VerifiedAssertion {
  const parts = assertion.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'Invalid JWT: not three segments' }
  const [header, payload, signature] = parts as [string, string, string]
  let head: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return { ok: false, reason: 'Invalid JWT: not JSON' }
  }
  if (head.alg !== 'RS256') return { ok: false, reason: 'Invalid JWT: alg must be RS256' }
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey
  const valid = createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(key, Buffer.from(signature, 'base64url'))
  if (!valid) return { ok: false, reason: 'Invalid JWT Signature.' }
  const { iss, scope, aud, iat, exp } = claims
  if (
    typeof iss !== 'string' ||
    typeof scope !== 'string' ||
    typeof aud !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  )
    return { ok: false, reason: 'Invalid JWT: iss, scope, aud, iat and exp are required' }
  if (exp <= iat || exp - iat > ASSERTION_LIFETIME_SECONDS)
    return { ok: false, reason: 'Invalid JWT: Token must be a short-lived token (60 minutes)' }
  return {
    ok: true,
    claims: { iss, scope, aud, iat, exp },
    keyId: typeof head.kid === 'string' ? head.kid : undefined,
  }
}
