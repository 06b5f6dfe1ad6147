import { OPERATIONS, RUN_STATUSES, TRACKING_STATUSES } from '@sluice/core'
import Type, { type Static } from 'typebox'

/**
 * The API's request schemas. The same objects validate requests and make the OpenAPI document, so the
 * two cannot disagree.
 */
const Obj = Type.Object
const strict = { additionalProperties: false }

export const RunModeSchema = Type.Enum(['incremental', 'full_resync', 'reset_cdc'], {
  description:
    'incremental (send what changed), full_resync (every row as added) or reset_cdc (record the current rows as synced, send nothing)',
})

export const SyncParams = Obj({ sync: Type.String({ minLength: 1, description: 'the sync name' }) }, strict)
export const RunParams = Obj({ run: Type.String({ minLength: 1, description: 'the run id' }) }, strict)

export const TriggerBody = Obj(
  {
    mode: Type.Optional(RunModeSchema),
    dryRun: Type.Optional(Type.Boolean({ description: 'plan and count only: send nothing, commit nothing' })),
  },
  { ...strict, description: 'how to run; an empty body runs incrementally' },
)

export const ResetBody = Obj(
  {
    cdc: Type.Optional(
      Type.Boolean({
        description:
          'true: record the current rows as synced (a reset_cdc run); false or absent: forget the state, so the next run sends every row',
      }),
    ),
  },
  strict,
)

const Limit = (max: number, fallback: number) =>
  Type.Integer({
    minimum: 1,
    maximum: max,
    description: `at most this many (default ${fallback}, at most ${max})`,
  })

export const RunsQuery = Obj(
  {
    sync: Type.Optional(Type.String({ minLength: 1, description: 'only runs of this sync' })),
    status: Type.Optional(
      Type.Array(Type.Enum(RUN_STATUSES), {
        description: 'only runs with these statuses (comma-separated or repeated)',
      }),
    ),
    since: Type.Optional(
      Type.String({
        pattern: '^(\\d+[mhdw]|\\d{4}-\\d{2}-\\d{2}.*)$',
        description: 'only runs started after: 30m, 6h, 2d, 1w or an ISO date',
      }),
    ),
    limit: Type.Optional(Limit(1000, 20)),
  },
  strict,
)

export const RecordsQuery = Obj(
  {
    status: Type.Optional(
      Type.Array(Type.Enum(TRACKING_STATUSES), { description: 'only rows with these statuses' }),
    ),
    operation: Type.Optional(
      Type.Array(Type.Enum(OPERATIONS), { description: 'only rows of these operations' }),
    ),
    search: Type.Optional(Type.String({ minLength: 1, description: 'only rows with this identifier' })),
    limit: Type.Optional(Limit(1000, 100)),
    cursor: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]+$', description: 'the nextCursor of the previous page' }),
    ),
  },
  strict,
)

export const ExportQuery = Obj(
  {
    format: Type.Enum(['csv', 'jsonl'], { description: 'CSV with a header, or JSON lines' }),
    status: RecordsQuery.properties.status,
    operation: RecordsQuery.properties.operation,
    search: RecordsQuery.properties.search,
  },
  strict,
)

export const Problem = Obj(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(
      Type.Array(Obj({ field: Type.String(), message: Type.String() }), {
        description: 'each field that is wrong, and why',
      }),
    ),
  },
  { description: 'an RFC 9457 problem: what went wrong, naming the field' },
)

export type TriggerBody = Static<typeof TriggerBody>
export type ResetBody = Static<typeof ResetBody>
export type RunsQuery = Static<typeof RunsQuery>
export type RecordsQuery = Static<typeof RecordsQuery>
export type ExportQuery = Static<typeof ExportQuery>
