import { explain } from '@sluice/core'
import { BEHAVIOURS } from '@sluice/core/contract'
import Type, { type Static } from 'typebox'

/**
 * The `sluice` block of a connector package's package.json: what the runner, the marketplace and the
 * UI know about a connector without loading its code. The runner finds connectors by this block, and a
 * test in the repository checks it against what the code declares.
 */
export const AUTH_METHODS = [
  'none',
  'api_key',
  'bearer_token',
  'basic',
  'oauth',
  'jwt',
  'password',
  'iam',
] as const
export type AuthMethod = (typeof AUTH_METHODS)[number]

const AuthMethodSchema = Type.Union(AUTH_METHODS.map((m) => Type.Literal(m)))
const BehaviourSchema = Type.Union(BEHAVIOURS.map((b) => Type.Literal(b)))

export const ConnectorManifestSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('source'), Type.Literal('destination')], {
      description: 'whether the package is a warehouse source or a destination',
    }),
    displayName: Type.String({ minLength: 1, description: 'the name people know the service by: "Braze"' }),
    description: Type.String({ minLength: 1, description: 'one sentence on what it syncs' }),
    id: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9-]*$',
        description:
          'the connector id used as `type` in a project; default the package name after "destination-"/"source-"',
      }),
    ),
    behaviours: Type.Optional(
      Type.Array(BehaviourSchema, {
        uniqueItems: true,
        description: 'destinations: the sync behaviours it supports',
      }),
    ),
    objects: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            description: Type.Optional(Type.String()),
            /** when the object supports other behaviours than the connector's default */
            behaviours: Type.Optional(Type.Array(BehaviourSchema, { uniqueItems: true })),
          },
          { additionalProperties: false },
        ),
        {
          description:
            'destinations: the objects it writes to (sObjects, "users", …); open-ended ones say so in the description',
        },
      ),
    ),
    auth: Type.Union([AuthMethodSchema, Type.Array(AuthMethodSchema, { minItems: 1 })], {
      description: 'how it authenticates',
    }),
    rateLimits: Type.Optional(
      Type.Array(
        Type.Object(
          {
            requests: Type.Integer({ minimum: 1 }),
            perMs: Type.Integer({ minimum: 1 }),
            scope: Type.Optional(
              Type.String({ description: 'what the limit applies to: "/users/track", "per org per day"' }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    docs: Type.String({ format: 'uri', description: 'where its documentation lives' }),
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** the named export that holds the connector; default the default export */
    export: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)

export type ConnectorManifest = Static<typeof ConnectorManifestSchema>

/** What is wrong with a `sluice` block, as "path: message" lines (empty when it is fine). */
export function manifestProblems(manifest: unknown): string[] {
  const problems = explain(ConnectorManifestSchema, manifest, '').map(
    (p) => `sluice${p.path.replaceAll('/', '.')}: expected ${p.expected}, found ${p.found}`,
  )
  if (problems.length > 0) return problems
  const m = manifest as ConnectorManifest
  if (m.kind === 'destination') {
    if (!m.behaviours?.length)
      problems.push('sluice.behaviours: a destination lists the behaviours it supports')
    if (!m.objects?.length) problems.push('sluice.objects: a destination lists the objects it writes to')
  }
  return problems
}

/** The connector id a package stands for: the manifest's `id`, else its name without scope and kind. */
export function connectorId(packageName: string, manifest: Pick<ConnectorManifest, 'kind' | 'id'>): string {
  if (manifest.id) return manifest.id
  const base = packageName.split('/').pop() ?? packageName
  return base.startsWith(`${manifest.kind}-`) ? base.slice(manifest.kind.length + 1) : base
}
