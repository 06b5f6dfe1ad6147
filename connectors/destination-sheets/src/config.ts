import { readFileSync } from 'node:fs'
import { registerSecret, SluiceError } from '@sluice/core'
import Type, { type Static, type TSchema } from 'typebox'
import Value from 'typebox/value'

/**
 * The Google Sheets destination's settings, validated before any connection is made. Credentials come
 * from `${env:NAME}` references in the project config; fields marked `secret` are registered with
 * `registerSecret()` and never logged.
 */

const ServiceAccountAuth = Type.Object(
  {
    type: Type.Literal('service_account', {
      description: 'a service account key: a signed JWT exchanged for access tokens, no user interaction',
    }),
    credentials: Type.Optional(
      Type.String({
        minLength: 2,
        secret: true,
        description:
          'the key file\'s JSON text (`{"type":"service_account","client_email":…,"private_key":…}`), usually `${env:GOOGLE_SERVICE_ACCOUNT_JSON}`',
      }),
    ),
    keyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'a path to the key file, relative to the project folder; instead of `credentials`',
      }),
    ),
  },
  { additionalProperties: false },
)

const RefreshTokenAuth = Type.Object(
  {
    type: Type.Literal('refresh_token', {
      description: "OAuth 2.0 refresh-token flow: act as the Google user who granted the app's consent",
    }),
    clientId: Type.String({ minLength: 1, description: "the OAuth client's id" }),
    clientSecret: Type.String({ minLength: 1, secret: true, description: "the OAuth client's secret" }),
    refreshToken: Type.String({
      minLength: 1,
      secret: true,
      description: 'a refresh token granted with the https://www.googleapis.com/auth/spreadsheets scope',
    }),
    tokenUri: Type.Optional(
      Type.String({
        default: 'https://oauth2.googleapis.com/token',
        pattern: '^https?://',
        description: 'the token endpoint',
      }),
    ),
  },
  { additionalProperties: false },
)

export const SheetsConfig = Type.Object(
  {
    spreadsheetId: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9_-]+$',
      description:
        'the spreadsheet: the id between /d/ and /edit in its URL; share it with the service account',
    }),
    auth: Type.Union([ServiceAccountAuth, RefreshTokenAuth], { description: 'how to obtain access tokens' }),
    valueInputOption: Type.Optional(
      Type.Enum(['RAW', 'USER_ENTERED'], {
        default: 'RAW',
        description:
          'RAW (default) stores every value as it is: text that starts with "=" stays text, never a formula. USER_ENTERED parses values as if typed into the sheet (formulas, dates, currencies): opt in only when the model is trusted',
      }),
    ),
    createSheets: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'add a sheet (tab) the sync names when the spreadsheet has none by that name',
      }),
    ),
    quota: Type.Optional(
      Type.Object(
        {
          writeRequests: Type.Optional(
            Type.Integer({
              default: 60,
              minimum: 1,
              description:
                'write requests per window; Google allows 60 a minute per user (lower it when other tools write with the same account)',
            }),
          ),
          readRequests: Type.Optional(
            Type.Integer({
              default: 60,
              minimum: 1,
              description: 'read requests per window; Google allows 60 a minute per user',
            }),
          ),
          windowMs: Type.Optional(
            Type.Integer({ default: 60_000, minimum: 100, description: 'the quota window, in ms' }),
          ),
        },
        { additionalProperties: false, description: "the pace kept below Google's per-user quotas" },
      ),
    ),
    maxRequestBytes: Type.Optional(
      Type.Integer({
        default: 2_000_000,
        minimum: 10_000,
        maximum: 2_000_000,
        description: 'the largest request body sent; Google recommends at most 2 MB',
      }),
    ),
    apiUrl: Type.Optional(
      Type.String({
        default: 'https://sheets.googleapis.com',
        pattern: '^https?://',
        description: 'the Sheets API root (a proxy, or a fake API in tests)',
      }),
    ),
  },
  { additionalProperties: false },
)

export type SheetsConfig = Static<typeof SheetsConfig>

/** A service account key as Google's key file holds it (the fields Sluice uses). */
export interface ServiceAccountKey {
  client_email: string
  private_key: string
  private_key_id?: string
  project_id?: string
  token_uri: string
}

export type ResolvedAuth =
  | { type: 'service_account'; key: ServiceAccountKey }
  | { type: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string; tokenUri: string }

export interface ResolvedSheetsConfig {
  spreadsheetId: string
  auth: ResolvedAuth
  valueInputOption: 'RAW' | 'USER_ENTERED'
  createSheets: boolean
  quota: { writeRequests: number; readRequests: number; windowMs: number }
  maxRequestBytes: number
  apiUrl: string
}

const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token'

function invalid(problems: string[]): SluiceError {
  return new SluiceError('config', `the Google Sheets settings are not valid: ${problems.join('; ')}.`, {
    code: 'INVALID_CONFIG',
    component: 'sheets',
    hint: 'See the README of @sluice/destination-sheets for every setting.',
  })
}

/**
 * Validates the settings before any connection is made, collecting every problem as "path: message",
 * reads the service account key and fills in the defaults.
 */
export function resolveConfig(raw: unknown): ResolvedSheetsConfig {
  const problems = configProblems(raw)
  if (problems.length > 0) throw invalid(problems)
  const config = Value.Default(SheetsConfig, structuredClone(raw)) as SheetsConfig
  const quota = config.quota ?? {}
  return {
    spreadsheetId: config.spreadsheetId,
    auth: resolveAuth(config.auth),
    valueInputOption: config.valueInputOption ?? 'RAW',
    createSheets: config.createSheets ?? true,
    quota: {
      writeRequests: quota.writeRequests ?? 60,
      readRequests: quota.readRequests ?? 60,
      windowMs: quota.windowMs ?? 60_000,
    },
    maxRequestBytes: config.maxRequestBytes ?? 2_000_000,
    apiUrl: (config.apiUrl ?? 'https://sheets.googleapis.com').replace(/\/+$/, ''),
  }
}

function resolveAuth(auth: SheetsConfig['auth']): ResolvedAuth {
  if (auth.type === 'refresh_token') {
    registerSecret(auth.clientSecret)
    registerSecret(auth.refreshToken)
    return {
      type: 'refresh_token',
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      refreshToken: auth.refreshToken,
      tokenUri: auth.tokenUri ?? DEFAULT_TOKEN_URI,
    }
  }
  registerSecret(auth.credentials)
  let text = auth.credentials
  if (text === undefined) {
    try {
      text = readFileSync(auth.keyFile as string, 'utf8')
    } catch (cause) {
      throw new SluiceError('config', `cannot read the service account key file ${auth.keyFile}.`, {
        code: 'KEY_FILE_UNREADABLE',
        component: 'sheets',
        cause,
        hint: 'Check auth.keyFile: a path relative to the project folder, readable by this process.',
      })
    }
    registerSecret(text)
  }
  return { type: 'service_account', key: parseKey(text, auth.keyFile ? 'auth.keyFile' : 'auth.credentials') }
}

/** Reads a key file's JSON, naming what is missing and never quoting the key. */
export function parseKey(text: string, where: string): ServiceAccountKey {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw invalid([`${where}: is not JSON (expected the service account key file's contents)`])
  }
  if (typeof parsed.private_key === 'string') registerSecret(parsed.private_key)
  const missing = ['client_email', 'private_key'].filter((k) => typeof parsed[k] !== 'string' || !parsed[k])
  if (parsed.type !== undefined && parsed.type !== 'service_account')
    throw invalid([`${where}: is a "${String(parsed.type)}" key, not a service_account key`])
  if (missing.length > 0) throw invalid([`${where}: the key lacks ${missing.join(', ')}`])
  return {
    client_email: parsed.client_email as string,
    private_key: parsed.private_key as string,
    token_uri: typeof parsed.token_uri === 'string' ? parsed.token_uri : DEFAULT_TOKEN_URI,
    ...(typeof parsed.private_key_id === 'string' ? { private_key_id: parsed.private_key_id } : {}),
    ...(typeof parsed.project_id === 'string' ? { project_id: parsed.project_id } : {}),
  }
}

/**
 * Schema errors as "path: message". The settings and the auth block are checked apart, against the
 * flow `auth.type` names, so one mistake is one message rather than one per branch of the union.
 */
function configProblems(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return ['(settings): must be an object']
  const { auth, ...settings } = raw as Record<string, unknown>
  const out = errorsOf(Type.Omit(SheetsConfig, ['auth'], { additionalProperties: false }), settings, '')
  const type = (auth as { type?: unknown } | undefined)?.type
  if (auth === undefined) out.push('auth: is required')
  else if (type === 'service_account') {
    out.push(...errorsOf(ServiceAccountAuth, auth, 'auth'))
    const a = auth as { credentials?: unknown; keyFile?: unknown }
    if ((a.credentials === undefined) === (a.keyFile === undefined))
      out.push('auth: give exactly one of credentials (the key JSON) or keyFile (its path)')
  } else if (type === 'refresh_token') out.push(...errorsOf(RefreshTokenAuth, auth, 'auth'))
  else out.push('auth.type: must be "service_account" or "refresh_token"')
  return [...new Set(out)]
}

function errorsOf(schema: TSchema, value: unknown, prefix: string): string[] {
  const out: string[] = []
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue
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
