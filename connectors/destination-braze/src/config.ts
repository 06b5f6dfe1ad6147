import { SluiceError } from '@sluice/core/contract'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { checkInstanceUrl } from './instance-url.js'

const RateLimitSchema = Type.Object(
  {
    requests: Type.Integer({ minimum: 1, description: 'requests allowed per window' }),
    perMs: Type.Integer({ minimum: 1, description: 'the window, in milliseconds' }),
  },
  { additionalProperties: false },
)

export const DELETE_PRIORITIES = ['identified', 'unidentified', 'most_recently_updated'] as const

/**
 * The Braze destination's settings. The REST key belongs in the environment: write it as
 * `"apiKey": "${env:BRAZE_REST_API_KEY}"` in the project config.
 */
export const BrazeConfigSchema = Type.Object(
  {
    apiKey: Type.String({
      minLength: 1,
      secret: true,
      description:
        'a REST API key with the users.track, users.delete and custom_attributes.get permissions; ' +
        'reference it as ${env:NAME}, never inline',
    }),
    instanceUrl: Type.String({
      minLength: 1,
      description:
        "your instance's REST endpoint, e.g. https://rest.iad-01.braze.com (US-01) or " +
        'https://rest.fra-01.braze.eu (EU-01)',
    }),
    allowCustomEndpoint: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'accept any http(s) URL as instanceUrl (a proxy, or the fake Braze API in tests and the demo)',
      }),
    ),
    userAliasLabel: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'the alias_label of the user aliases a sync matches on when its identifier field is "user_alias" ' +
          '(a sync may name its own label instead with the field "user_alias.<label>")',
      }),
    ),
    batching: Type.Optional(
      Type.Object(
        {
          rule: Type.Optional(
            Type.Union([Type.Literal('total'), Type.Literal('per_array')], {
              default: 'total',
              description:
                '"total": at most objectsPerRequest objects across attributes, events and purchases in one ' +
                '/users/track request (the current rule); "per_array": that many in each array (legacy rate limits)',
            }),
          ),
          objectsPerRequest: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 75,
              default: 75,
              description: 'lower it to 50 on Monthly Active Users CY 24-25 contracts',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    rateLimit: Type.Optional(
      Type.Object(
        {
          track: Type.Optional(RateLimitSchema),
          delete: Type.Optional(RateLimitSchema),
        },
        {
          additionalProperties: false,
          description:
            "overrides Braze's documented limits (/users/track 3,000 per 3 s; /users/delete 20,000 per minute), " +
            'for a workspace with a raised or shared quota, or a scaled-down fake in tests',
        },
      ),
    ),
    deletePrioritization: Type.Optional(
      Type.Array(Type.Union(DELETE_PRIORITIES.map((p) => Type.Literal(p))), {
        minItems: 1,
        default: ['most_recently_updated'],
        description:
          'when deleting by email or phone: which profile to delete when several share it ' +
          '(identified, unidentified, most_recently_updated)',
      }),
    ),
  },
  { additionalProperties: false },
)

export type BrazeConfig = Static<typeof BrazeConfigSchema>

/** The config with every default applied and the instance URL checked. */
export interface ResolvedBrazeConfig {
  apiKey: string
  /** origin of the REST endpoint, without a trailing slash */
  baseUrl: string
  userAliasLabel: string | undefined
  batching: { rule: 'total' | 'per_array'; objectsPerRequest: number }
  rateLimit: { track: RateLimitSetting; delete: RateLimitSetting }
  deletePrioritization: string[]
}

interface RateLimitSetting {
  requests: number
  perMs: number
}

/** Braze's documented defaults, per workspace. */
export const DOCUMENTED_RATE_LIMITS = {
  track: { requests: 3_000, perMs: 3_000 },
  delete: { requests: 20_000, perMs: 60_000 },
} as const

/**
 * Validates settings before any connection is made, collecting every problem as "path: message" so a
 * user fixes them in one go.
 */
export function resolveConfig(raw: unknown): ResolvedBrazeConfig {
  const problems = [...Value.Errors(BrazeConfigSchema, raw)]
    .filter((e) => e.keyword !== 'boolean' || !e.schemaPath.endsWith('additionalProperties'))
    .map((e) => `${pathOf(e.instancePath)}: ${e.message}${extraKeys(e.params)}`)
  if (problems.length > 0) {
    throw new SluiceError('config', `invalid config: ${problems.join('; ')}`, {
      code: 'INVALID_CONFIG',
      component: 'braze',
    })
  }
  const config = Value.Default(BrazeConfigSchema, Value.Clone(raw)) as BrazeConfig
  const baseUrl = checkInstanceUrl(config.instanceUrl, config.allowCustomEndpoint ?? false)
  return {
    apiKey: config.apiKey,
    baseUrl,
    userAliasLabel: config.userAliasLabel,
    batching: {
      rule: config.batching?.rule ?? 'total',
      objectsPerRequest: config.batching?.objectsPerRequest ?? 75,
    },
    rateLimit: {
      track: config.rateLimit?.track ?? { ...DOCUMENTED_RATE_LIMITS.track },
      delete: config.rateLimit?.delete ?? { ...DOCUMENTED_RATE_LIMITS.delete },
    },
    deletePrioritization: config.deletePrioritization ?? ['most_recently_updated'],
  }
}

function pathOf(instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.')
  return path === '' ? 'config' : path
}

function extraKeys(params: unknown): string {
  const extra = (params as { additionalProperties?: unknown } | undefined)?.additionalProperties
  return Array.isArray(extra) && extra.length > 0 ? ` (${extra.join(', ')})` : ''
}
