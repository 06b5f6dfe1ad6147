import Type, { type Static, type TSchema } from 'typebox'
import { BEHAVIOURS, DELETE_BEHAVIOURS } from '../contract/records.js'

/**
 * The project config: `sluice.config.ts` (through `defineConfig`) or `sluice.json`, one schema for both.
 * Any string may be a `${env:NAME}` reference; it is resolved when the config is loaded.
 */

const Name = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9_-]*$',
  description: 'a name: letters, digits, _ and -',
})

const Obj = <P extends Record<string, TSchema>>(properties: P, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options })

// ── sources and destinations ──────────────────────────────────────────────────────────────────────

export const SourceConfig = Obj(
  {
    type: Type.String({ description: 'the source connector, e.g. "duckdb" for @sluice/source-duckdb' }),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "the connector's own settings" }),
    ),
  },
  { description: 'a warehouse connection' },
)

export const DestinationConfig = Obj(
  {
    type: Type.String({
      description: 'the destination connector, e.g. "braze" for @sluice/destination-braze',
    }),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "the connector's own settings" }),
    ),
  },
  { description: 'a configured destination with its credentials' },
)

// ── models ────────────────────────────────────────────────────────────────────────────────────────

const ModelCommon = {
  source: Type.String({ description: 'the source the model reads from' }),
  description: Type.Optional(Type.String()),
  /** a segment: the model plus a filter */
  filter: Type.Optional(
    Type.String({ description: 'a SQL boolean expression that narrows the model (a segment)' }),
  ),
  cursor: Type.Optional(
    Type.String({
      description: 'a column that only grows (updated_at, a sequence): cursor mode reads only rows past it',
    }),
  ),
}

export const ModelConfig = Type.Union(
  [
    Obj({ ...ModelCommon, table: Type.String({ description: 'a table, optionally schema-qualified' }) }),
    Obj({ ...ModelCommon, view: Type.String({ description: 'a view, optionally schema-qualified' }) }),
    Obj({ ...ModelCommon, sql: Type.String({ description: 'a SQL query in the source dialect' }) }),
    Obj({
      ...ModelCommon,
      dbt: Obj({
        model: Type.String({ description: 'the dbt model name' }),
        manifest: Type.Optional(
          Type.String({ default: 'target/manifest.json', description: 'path to the dbt manifest' }),
        ),
      }),
    }),
  ],
  { description: 'what to read: a table, a view, a SQL query or a dbt model' },
)

// ── field mappings ────────────────────────────────────────────────────────────────────────────────

const FieldPath = Type.String({
  minLength: 1,
  description: 'a destination field; dots make a nested path (address.city)',
})
const ColumnPath = Type.String({
  minLength: 1,
  description: 'a column; dots reach into STRUCT/JSON columns (profile.tier)',
})

export const ColumnMapping = Obj({ from: ColumnPath, to: FieldPath }, { description: 'column → field' })
export const ConstantMapping = Obj(
  { constant: Type.Unknown(), to: FieldPath },
  { description: 'a constant value' },
)
export const ObjectMapping = Obj(
  { object: Type.Array(ColumnMapping, { minItems: 1 }), to: FieldPath },
  { description: 'several columns gathered into one object field' },
)
export const ArrayMapping = Obj(
  {
    array: Obj({
      from: ColumnPath,
      items: Type.Optional(
        Type.Array(ColumnMapping, { description: 'renames inside each element; all of it when absent' }),
      ),
      mode: Type.Optional(
        Type.Union([Type.Literal('set'), Type.Literal('add'), Type.Literal('remove')], {
          default: 'set',
          description: 'replace the array, or add / remove elements (where the destination supports it)',
        }),
      ),
    }),
    to: FieldPath,
  },
  { description: 'a LIST column into an array field' },
)
export const FieldMapping = Type.Union([ColumnMapping, ConstantMapping, ObjectMapping, ArrayMapping])

// ── syncs ─────────────────────────────────────────────────────────────────────────────────────────

export const BehaviourSchema = Type.Union(
  BEHAVIOURS.map((b) => Type.Literal(b)),
  { description: 'upsert | update | create | mirror | append | delete' },
)
export const DeleteBehaviourSchema = Type.Union(
  DELETE_BEHAVIOURS.map((b) => Type.Literal(b)),
  { description: "mirror's treatment of rows that left the model: nothing | clear | delete" },
)

export const Schedule = Type.Union(
  [
    Obj({ type: Type.Literal('manual') }),
    Obj({
      type: Type.Literal('interval'),
      every: Type.String({ pattern: '^[1-9][0-9]*(s|m|h|d)$', description: 'e.g. 15m, 1h, 1d' }),
    }),
    Obj({
      type: Type.Literal('cron'),
      expression: Type.String({ description: 'a five-field cron expression' }),
      timezone: Type.Optional(Type.String({ description: 'an IANA time zone; UTC when absent' })),
    }),
    Obj({
      type: Type.Literal('after'),
      sync: Type.String({ description: 'run when this sync has succeeded' }),
    }),
  ],
  { description: 'when the sync runs' },
)

export const Alert = Obj({
  on: Type.Union([
    Type.Literal('failed'),
    Type.Literal('partially_succeeded'),
    Type.Literal('rejected_rate'),
  ]),
  threshold: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'for rejected_rate: the share of rows' }),
  ),
  webhook: Type.Optional(Type.String({ description: 'a URL that receives the run as JSON' })),
  email: Type.Optional(Type.String()),
})

export const SyncConfig = Obj({
  description: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  model: Type.String({ description: 'the model to read' }),
  destination: Type.String({ description: 'the destination to write to' }),
  object: Type.String({ description: 'the destination object: a Salesforce sObject, Braze users …' }),
  behaviour: BehaviourSchema,
  identifier: Obj(
    {
      column: ColumnPath,
      field: Type.String({ minLength: 1, description: 'the destination field that matches records' }),
    },
    { description: 'the matching identifier: a model column ↔ a destination field' },
  ),
  mappings: Type.Optional(Type.Array(FieldMapping, { default: [] })),
  syncAllProperties: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'also send every unmapped column as a field of the same name',
    }),
  ),
  deleteBehaviour: Type.Optional(DeleteBehaviourSchema),
  batching: Type.Optional(
    Obj({
      size: Type.Optional(
        Type.Integer({ minimum: 1, description: "records per request; at most the destination's maximum" }),
      ),
      concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'requests in flight at once' })),
    }),
  ),
  schedule: Type.Optional(Schedule),
  alerts: Type.Optional(Type.Array(Alert)),
})

// ── settings ──────────────────────────────────────────────────────────────────────────────────────

export const Settings = Obj({
  org: Type.Optional(Name),
  state: Type.Optional(
    Type.Union([
      Obj({
        backend: Type.Literal('duckdb'),
        path: Type.Optional(Type.String({ default: '.sluice/state' })),
      }),
      Obj({
        backend: Type.Literal('postgres'),
        url: Type.String({ description: 'a postgres:// URL, usually ${env:DATABASE_URL}' }),
        schema: Type.Optional(Type.String({ default: 'sluice' })),
      }),
    ]),
  ),
  lake: Type.Optional(
    Obj({
      path: Type.Optional(Type.String({ default: '.sluice/lake', description: 'the tracking lake folder' })),
    }),
  ),
  retentionDays: Type.Optional(
    Type.Integer({ minimum: 1, default: 14, description: 'how long tracking files are kept' }),
  ),
  rejectedRetryDays: Type.Optional(
    Type.Integer({ minimum: 0, default: 14, description: 'how long rejected rows are retried on every run' }),
  ),
  warehouseLogs: Type.Optional(
    Obj({
      enabled: Type.Boolean(),
      schema: Type.Optional(Type.String({ default: 'sluice_logs' })),
    }),
  ),
})

export const ProjectConfig = Obj(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.Optional(Name),
    settings: Type.Optional(Settings),
    sources: Type.Record(Type.String(), SourceConfig),
    destinations: Type.Record(Type.String(), DestinationConfig),
    models: Type.Record(Type.String(), ModelConfig),
    syncs: Type.Record(Type.String(), SyncConfig),
  },
  { title: 'Sluice project config' },
)

export type ProjectConfig = Static<typeof ProjectConfig>
export type SourceConfig = Static<typeof SourceConfig>
export type DestinationConfig = Static<typeof DestinationConfig>
export type ModelConfig = Static<typeof ModelConfig>
export type SyncConfig = Static<typeof SyncConfig>
export type FieldMapping = Static<typeof FieldMapping>
export type Schedule = Static<typeof Schedule>
export type Settings = Static<typeof Settings>
