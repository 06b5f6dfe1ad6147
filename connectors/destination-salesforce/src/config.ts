import { registerSecret, SluiceError } from '@sluice/core/contract'
import Type, { type Static, type TSchema } from 'typebox'
import Value from 'typebox/value'

/**
 * The Salesforce destination's settings. Credentials come from `${env:NAME}` references in the
 * project config; the fields marked `secret` are registered with `registerSecret()` and never logged.
 */

const JwtAuth = Type.Object(
  {
    type: Type.Literal('jwt', {
      description: 'OAuth 2.0 JWT bearer flow: server to server, no user interaction',
    }),
    clientId: Type.String({
      minLength: 1,
      description: "the connected app's consumer key (the JWT's `iss`)",
    }),
    username: Type.String({ minLength: 1, description: 'the integration user to act as (the JWT `sub`)' }),
    privateKey: Type.String({
      minLength: 1,
      secret: true,
      description: 'the PEM private key whose certificate is uploaded to the connected app',
    }),
    audience: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'the JWT `aud`; by default https://test.salesforce.com for sandboxes, https://login.salesforce.com for production and My Domains, and the login URL itself for an Experience Cloud site',
      }),
    ),
  },
  { additionalProperties: false },
)

const RefreshTokenAuth = Type.Object(
  {
    type: Type.Literal('refresh_token', { description: 'OAuth 2.0 refresh-token flow' }),
    clientId: Type.String({ minLength: 1, description: "the connected app's consumer key" }),
    clientSecret: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description: "the connected app's consumer secret, if it requires one",
      }),
    ),
    refreshToken: Type.String({
      minLength: 1,
      secret: true,
      description: 'a refresh token issued to the app',
    }),
  },
  { additionalProperties: false },
)

export const SalesforceConfig = Type.Object(
  {
    loginUrl: Type.Optional(
      Type.String({
        default: 'https://login.salesforce.com',
        pattern: '^https?://',
        description:
          'where to log in: https://login.salesforce.com (production), https://test.salesforce.com (sandboxes) or your My Domain, e.g. https://acme.my.salesforce.com',
      }),
    ),
    auth: Type.Union([JwtAuth, RefreshTokenAuth], { description: 'how to obtain access tokens' }),
    apiVersion: Type.Optional(
      Type.String({
        default: '62.0',
        pattern: '^\\d{2}\\.0$',
        description: 'the REST API version, e.g. 62.0 (sObject Collections upsert needs 46.0 or later)',
      }),
    ),
    bulkThreshold: Type.Optional(
      Type.Integer({
        default: 2000,
        minimum: 0,
        description:
          'batches with more records than this go through Bulk API 2.0; smaller ones through sObject Collections',
      }),
    ),
    collectionsConcurrency: Type.Optional(
      Type.Integer({
        default: 4,
        minimum: 1,
        maximum: 25,
        description: 'sObject Collections requests in flight at once per batch',
      }),
    ),
    bulkPollIntervalMs: Type.Optional(
      Type.Integer({
        default: 2000,
        minimum: 10,
        description: 'the first wait between Bulk job status checks; it doubles up to bulkMaxPollIntervalMs',
      }),
    ),
    bulkMaxPollIntervalMs: Type.Optional(
      Type.Integer({ default: 30_000, minimum: 10, description: 'the longest wait between checks' }),
    ),
    bulkTimeoutMs: Type.Optional(
      Type.Integer({
        default: 2 * 60 * 60 * 1000,
        minimum: 1000,
        description: 'a Bulk job still running after this long is aborted and the run fails',
      }),
    ),
    objects: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'sObjects that discovery describes; default every createable and updateable object',
      }),
    ),
  },
  { additionalProperties: false },
)

export type SalesforceConfig = Static<typeof SalesforceConfig>
export type SalesforceAuthConfig = SalesforceConfig['auth']

/** The config with every default applied. */
export type ResolvedSalesforceConfig = Required<Omit<SalesforceConfig, 'objects'>> &
  Pick<SalesforceConfig, 'objects'>

/**
 * Validates the settings before any connection is made, collecting every problem as "path: message",
 * and fills in the defaults.
 */
export function resolveConfig(raw: unknown): ResolvedSalesforceConfig {
  const problems = configProblems(raw)
  if (problems.length > 0) {
    throw new SluiceError('config', `the Salesforce settings are not valid: ${problems.join('; ')}.`, {
      code: 'INVALID_CONFIG',
      component: 'salesforce',
      hint: 'See the README of @sluice/destination-salesforce for every setting.',
    })
  }
  const config = Value.Default(SalesforceConfig, structuredClone(raw)) as ResolvedSalesforceConfig
  const { auth } = config
  // The consumer key is not a password, but a token endpoint that echoes its request would show it
  // next to one: it is masked like them.
  registerSecret(auth.clientId)
  if (auth.type === 'jwt') registerSecret(auth.privateKey)
  else {
    registerSecret(auth.refreshToken)
    registerSecret(auth.clientSecret)
  }
  return { ...config, loginUrl: config.loginUrl.replace(/\/+$/, '') }
}

/**
 * Schema errors as "path: message". The settings and the auth block are checked apart, against the
 * auth flow `auth.type` names, so one mistake is one message rather than one per branch of the union
 * (typebox also stops after a handful of errors).
 */
function configProblems(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return ['(settings): must be an object']
  const { auth, ...settings } = raw as Record<string, unknown>
  const out = errorsOf(Type.Omit(SalesforceConfig, ['auth'], { additionalProperties: false }), settings, '')
  const type = (auth as { type?: unknown } | undefined)?.type
  if (auth === undefined) out.push('auth: is required')
  else if (type === 'jwt') out.push(...errorsOf(JwtAuth, auth, 'auth'))
  else if (type === 'refresh_token') out.push(...errorsOf(RefreshTokenAuth, auth, 'auth'))
  else out.push('auth.type: must be "jwt" or "refresh_token"')
  return [...new Set(out)]
}

function errorsOf(schema: TSchema, value: unknown, prefix: string): string[] {
  const out: string[] = []
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue // an unknown property: named by its additionalProperties error
    const path =
      [prefix, ...error.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.') || '(settings)'
    const extra = (error.params as { additionalProperties?: string[] }).additionalProperties
    out.push(
      error.keyword === 'additionalProperties' && extra
        ? `${path}: unknown setting ${extra.map((e) => `"${e}"`).join(', ')}`
        : `${path}: ${error.message}`,
    )
  }
  return out
}
