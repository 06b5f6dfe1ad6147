import Type, { type Static, type TSchema } from 'typebox'
import { BEHAVIOURS, DELETE_BEHAVIOURS } from '../contract/records.js'
import { DEFAULTS } from '../defaults.js'
import { CASTS } from '../mapping/cast.js'

/**
 * The project config: `sluice.config.ts` (through `defineConfig`) or `sluice.json`, one schema for both.
 * Any string may hold `${env:NAME}` references; they are resolved when the config is loaded.
 *
 * Descriptions double as the "expected" text of validation errors for patterns and unions, so they
 * say what a valid value looks like.
 */

/**
 * Names of sources, destinations, models and syncs end up in file paths, S3 keys, URLs and SQL
 * identifiers: keep them plain, and short enough for all of them. 63 characters is PostgreSQL's
 * identifier limit, the tightest; a file or folder name may take 255 bytes on ext4, APFS, NTFS and S3.
 */
export const NAME_MAX_LENGTH = 63
export const NAME_PATTERN = `^[A-Za-z][A-Za-z0-9_-]{0,${NAME_MAX_LENGTH - 1}}$`
const NAME_DESCRIPTION = `a name of letters, digits, _ and - that starts with a letter, at most ${NAME_MAX_LENGTH} characters`

const Name = Type.String({ pattern: NAME_PATTERN, description: NAME_DESCRIPTION })

const Obj = <P extends Record<string, TSchema>>(properties: P, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options })

// Lists of allowed strings are `Type.Enum`s: typebox types a union only from a tuple, and a union of
// literals mapped from an array would type as `never`.

/** A map of named entries whose keys must be names. */
const Named = <T extends TSchema>(entry: T, description: string) =>
  Type.Record(Type.String(), entry, {
    propertyNames: { pattern: NAME_PATTERN, description: NAME_DESCRIPTION },
    description,
  })

// ── sources and destinations ──────────────────────────────────────────────────────────────────────

const ConnectorSettings = Type.Record(Type.String(), Type.Unknown(), {
  description: "the connector's own settings, checked against the connector's schema",
})

export const SourceConfig = Obj(
  {
    type: Type.String({
      minLength: 1,
      description: 'the source connector, e.g. "duckdb" for @sluice/source-duckdb',
    }),
    package: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'the npm package to load it from, when not @sluice/source-<type>',
      }),
    ),
    config: Type.Optional(ConnectorSettings),
  },
  { description: 'a warehouse connection' },
)

export const DestinationConfig = Obj(
  {
    type: Type.String({
      minLength: 1,
      description: 'the destination connector, e.g. "braze" for @sluice/destination-braze',
    }),
    package: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'the npm package to load it from, when not @sluice/destination-<type>',
      }),
    ),
    config: Type.Optional(ConnectorSettings),
  },
  { description: 'a configured destination with its credentials' },
)

// ── models ────────────────────────────────────────────────────────────────────────────────────────

const ModelCommon = {
  source: Type.String({ minLength: 1, description: 'the source the model reads from' }),
  description: Type.Optional(Type.String()),
  filter: Type.Optional(
    Type.String({ minLength: 1, description: 'a SQL boolean expression that narrows the model (a segment)' }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'a column that only grows (updated_at, a sequence): cursor mode reads only rows past the last ' +
        'successful run, and cannot see removed rows',
    }),
  ),
}

export const TableModel = Obj(
  {
    ...ModelCommon,
    table: Type.String({ minLength: 1, description: 'a table, optionally schema-qualified' }),
  },
  { description: 'a table' },
)
export const ViewModel = Obj(
  { ...ModelCommon, view: Type.String({ minLength: 1, description: 'a view, optionally schema-qualified' }) },
  { description: 'a view' },
)
export const SqlModel = Obj(
  { ...ModelCommon, sql: Type.String({ minLength: 1, description: 'a SQL query in the source dialect' }) },
  { description: 'a SQL query' },
)
export const DbtModel = Obj(
  {
    ...ModelCommon,
    dbt: Obj(
      {
        model: Type.String({ minLength: 1, description: 'the dbt model name' }),
        manifest: Type.Optional(
          Type.String({
            default: DEFAULTS.dbtManifest,
            description: "the dbt manifest, relative to the config file's folder",
          }),
        ),
      },
      { description: 'a dbt model by name: { model, manifest? }' },
    ),
  },
  { description: 'a dbt model resolved from the manifest' },
)

export const ModelConfig = Type.Union([TableModel, ViewModel, SqlModel, DbtModel], {
  description: 'what to read: a table, a view, a SQL query or a dbt model',
})

// ── field mappings ────────────────────────────────────────────────────────────────────────────────

const FieldPath = Type.String({
  minLength: 1,
  description: 'a destination field; dots make a nested path (address.city)',
})
const ColumnPath = Type.String({
  minLength: 1,
  description: 'a column; dots reach into STRUCT and JSON columns (profile.tier)',
})
/** any JSON value */
const Constant = Type.Unknown({ description: 'a constant sent as it is' })

export const ColumnMapping = Obj(
  { from: ColumnPath, to: FieldPath },
  { description: 'a column into a field' },
)
export const ConstantMapping = Obj({ constant: Constant, to: FieldPath }, { description: 'a constant value' })
/** A column into a field, with an optional cast: only here, where a failed cast can name its mapping. */
export const CastColumnMapping = Obj(
  {
    from: ColumnPath,
    to: FieldPath,
    cast: Type.Optional(
      Type.Enum(CASTS, {
        description:
          'send the value as this type: DECIMAL text as a number, 0/1 or "yes"/"no" as a boolean, a date or ' +
          'epoch seconds as an ISO 8601 UTC timestamp; a row whose value cannot be cast is invalid, not sent',
      }),
    ),
  },
  { description: 'a column into a field' },
)

/** One property of an object mapping: a column or a constant, `to` relative to the object. */
export const ObjectProperty = Type.Union([ColumnMapping, ConstantMapping], {
  description: 'a property of the object: { from, to } or { constant, to }',
})
export const ObjectMapping = Obj(
  { object: Type.Array(ObjectProperty, { minItems: 1 }), to: FieldPath },
  { description: 'several columns gathered into one object field' },
)

export const ARRAY_MODES = ['set', 'add', 'remove'] as const
export const ArrayMapping = Obj(
  {
    array: Obj({
      from: Type.String({ minLength: 1, description: 'a LIST column, or a JSON column holding an array' }),
      items: Type.Optional(
        Type.Array(ColumnMapping, {
          minItems: 1,
          description: 'which properties of each element to send, renamed; every property when absent',
        }),
      ),
      mode: Type.Optional(
        Type.Enum(ARRAY_MODES, {
          default: 'set',
          description: 'replace the array, or add or remove elements where the destination supports it',
        }),
      ),
    }),
    to: FieldPath,
  },
  { description: 'a list column into an array field' },
)

export const FieldMapping = Type.Union([CastColumnMapping, ConstantMapping, ObjectMapping, ArrayMapping], {
  description: 'a mapping: { from, to, cast? }, { constant, to }, { object, to } or { array, to }',
})

// ── syncs ─────────────────────────────────────────────────────────────────────────────────────────

export const BehaviourSchema = Type.Enum(BEHAVIOURS, {
  description: 'upsert | update | create | mirror | append | delete',
})
export const DeleteBehaviourSchema = Type.Enum(DELETE_BEHAVIOURS, {
  description: "mirror's treatment of rows that left the model: nothing | clear | delete",
})

export const INTERVAL_PATTERN = '^[1-9][0-9]*(s|m|h|d|w)$'

export const ManualSchedule = Obj({ type: Type.Literal('manual') }, { description: 'only when asked' })
export const IntervalSchedule = Obj(
  {
    type: Type.Literal('interval'),
    every: Type.String({
      pattern: INTERVAL_PATTERN,
      description: 'an interval: a whole number and a unit s, m, h, d or w (30s, 15m, 1h, 1d)',
    }),
  },
  { description: 'every so often' },
)
export const CronSchedule = Obj(
  {
    type: Type.Literal('cron'),
    expression: Type.String({
      minLength: 1,
      description: 'a cron expression: five fields (or six, with seconds first), or @hourly, @daily …',
    }),
    timezone: Type.Optional(
      Type.String({ minLength: 1, description: 'an IANA time zone (Europe/Paris); UTC when absent' }),
    ),
  },
  { description: 'on a cron schedule' },
)
export const AfterSchedule = Obj(
  {
    type: Type.Literal('after'),
    sync: Type.String({ minLength: 1, description: 'run when this sync has finished successfully' }),
  },
  { description: 'in a sequence, after another sync' },
)

export const Schedule = Type.Union([ManualSchedule, IntervalSchedule, CronSchedule, AfterSchedule], {
  description: 'when the sync runs: manual | interval | cron | after',
})

export const ALERT_EVENTS = ['failed', 'partially_succeeded', 'rejected_rate'] as const
export const Alert = Obj(
  {
    on: Type.Enum(ALERT_EVENTS, { description: 'failed | partially_succeeded | rejected_rate' }),
    threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          'for rejected_rate: the share of rows (0 to 1) rejected or invalid that raises the alert',
      }),
    ),
    webhook: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'an http(s) URL that receives the alert as JSON (the body is in the README)',
      }),
    ),
    slack: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description:
          'a Slack incoming webhook URL (https://hooks.slack.com/…), usually ${env:SLACK_WEBHOOK_URL}',
      }),
    ),
    email: Type.Optional(
      Type.String({
        minLength: 3,
        description: 'an address that receives the alert by email (needs settings.smtp)',
      }),
    ),
  },
  {
    description:
      'an alert: on failed, partially_succeeded or rejected_rate, to a webhook, Slack and/or email; ' +
      'it fires when its condition starts to hold and sends "recovered" when it stops',
  },
)

export const Batching = Obj(
  {
    size: Type.Optional(
      Type.Integer({ minimum: 1, description: "records per request; at most the destination's maximum" }),
    ),
    concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "requests in flight at once; at most the destination's maximum",
      }),
    ),
  },
  { description: "how records are batched; the destination's own limits when absent" },
)

/** A number of records, or a share of the synced records (`"10%"`). */
const changeLimit = (description: string) =>
  Type.Union(
    [
      Type.Integer({ minimum: 0 }),
      Type.String({ pattern: '^(100|[0-9]{1,2})(\\.[0-9]+)?%$', description: 'a share, e.g. "10%"' }),
    ],
    { description: `${description}: a number of records, or a share of the synced records ("10%")` },
  )

export const Safeguards = Obj(
  {
    maxRemoved: Type.Optional(
      changeLimit('stop before sending when more records would be deleted or cleared'),
    ),
    maxChanged: Type.Optional(changeLimit('stop before sending when more records would be updated')),
    allowEmptyModel: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'let a model that returns no rows remove every synced record (stopped by default)',
      }),
    ),
  },
  { description: 'limits that stop a run with outsized changes before anything is sent; --force overrides' },
)

export const Identifier = Obj(
  {
    column: ColumnPath,
    field: Type.String({ minLength: 1, description: 'the destination field that matches records' }),
  },
  { description: 'the matching identifier: a model column ↔ a destination field' },
)

export const SyncConfig = Obj({
  description: Type.Optional(Type.String()),
  enabled: Type.Optional(
    Type.Boolean({
      default: true,
      description: 'false: `sluice run` refuses the sync unless --force, and `--all` or `--select` skip it',
    }),
  ),
  labels: Type.Optional(
    Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 }), {
      uniqueItems: true,
      description: 'names to select syncs by: `sluice run --select label:<label>`',
    }),
  ),
  model: Type.String({ minLength: 1, description: 'the model to read' }),
  destination: Type.String({ minLength: 1, description: 'the destination to write to' }),
  object: Type.String({
    minLength: 1,
    description: 'the destination object: a Salesforce sObject, Braze users …',
  }),
  behaviour: BehaviourSchema,
  identifier: Identifier,
  mappings: Type.Optional(Type.Array(FieldMapping, { default: [] })),
  syncAllProperties: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'also send every unmapped column as a field of the same name',
    }),
  ),
  deleteBehaviour: Type.Optional(DeleteBehaviourSchema),
  batching: Type.Optional(Batching),
  safeguards: Type.Optional(Safeguards),
  schedule: Type.Optional(Schedule),
  alerts: Type.Optional(Type.Array(Alert, { default: [] })),
})

// ── settings ──────────────────────────────────────────────────────────────────────────────────────

export const DuckdbState = Obj(
  {
    backend: Type.Literal('duckdb'),
    path: Type.Optional(
      Type.String({
        default: DEFAULTS.statePath,
        description: "the state folder, relative to the config's folder",
      }),
    ),
  },
  { description: 'state in an embedded DuckDB file (the default)' },
)
export const PostgresState = Obj(
  {
    backend: Type.Literal('postgres'),
    url: Type.String({ minLength: 1, description: 'a postgres:// URL, usually ${env:DATABASE_URL}' }),
    schema: Type.Optional(
      Type.String({ default: DEFAULTS.postgresSchema, description: 'the bookkeeping schema' }),
    ),
  },
  { description: 'state in a bookkeeping schema in PostgreSQL' },
)
export const StateSettings = Type.Union([DuckdbState, PostgresState], {
  description: 'where snapshots, cursors and the run ledger live: duckdb | postgres',
})

export const LocalLake = Obj(
  {
    path: Type.String({
      minLength: 1,
      default: DEFAULTS.lakePath,
      description: "the tracking lake folder, relative to the config's folder",
    }),
  },
  { description: 'the tracking lake in a local folder (the default)' },
)
export const S3Lake = Obj(
  {
    s3: Obj({
      bucket: Type.String({ minLength: 1 }),
      prefix: Type.Optional(Type.String({ description: 'a key prefix inside the bucket' })),
      region: Type.Optional(Type.String({ minLength: 1 })),
      endpoint: Type.Optional(Type.String({ minLength: 1, description: 'an S3-compatible endpoint URL' })),
    }),
  },
  { description: 'the tracking lake in an S3 bucket; credentials come from the AWS environment' },
)
export const LakeSettings = Type.Union([LocalLake, S3Lake], {
  description: 'where row-level tracking files are written: { path } or { s3 }',
})

export const WarehouseLogs = Obj(
  {
    enabled: Type.Boolean(),
    source: Type.Optional(
      Type.String({ minLength: 1, description: 'the source to write into; the only source when absent' }),
    ),
    schema: Type.Optional(
      Type.String({
        default: DEFAULTS.warehouseLogsSchema,
        description: 'the schema that receives the logs',
      }),
    ),
  },
  { description: 'write run results and rejected rows back into the warehouse' },
)

export const Smtp = Obj(
  {
    host: Type.String({ minLength: 1, description: 'the SMTP server' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 587 })),
    secure: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'TLS from the start (port 465); otherwise STARTTLS when the server offers it',
      }),
    ),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(
      Type.String({ minLength: 1, secret: true, description: 'usually ${env:SMTP_PASSWORD}' }),
    ),
    from: Type.String({ minLength: 3, description: 'the sender address of alert emails' }),
  },
  { description: 'the SMTP server that sends alert emails' },
)

export const WorkerSettings = Obj(
  {
    leaseSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULTS.workerLeaseSeconds,
        description:
          'a run whose worker stopped renewing its lease for this long (killed, machine gone) is taken over by another worker',
      }),
    ),
    concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULTS.workerConcurrency,
        description: 'runs each `sluice worker` process keeps in flight at once',
      }),
    ),
  },
  {
    description:
      'runs go through a queue in the PostgreSQL of settings.state: `sluice serve` enqueues them and `sluice worker` processes run them (needs settings.state.backend "postgres")',
  },
)

export const RateLimitSettings = Obj(
  {
    redis: Type.String({
      minLength: 1,
      secret: true,
      description: 'a redis:// URL, usually ${env:REDIS_URL}',
    }),
  },
  {
    description:
      'share each destination quota through Redis: every process writing with the same destination config draws from one quota',
  },
)

export const Settings = Obj({
  org: Type.Optional(Name),
  state: Type.Optional(StateSettings),
  lake: Type.Optional(LakeSettings),
  retentionDays: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: DEFAULTS.retentionDays,
      description: 'how many days tracking files are kept',
    }),
  ),
  rejectedRetryDays: Type.Optional(
    Type.Integer({
      minimum: 0,
      default: DEFAULTS.rejectedRetryDays,
      description: 'how many days a rejected row is retried on every run (0: never retried)',
    }),
  ),
  warehouseLogs: Type.Optional(WarehouseLogs),
  smtp: Type.Optional(Smtp),
  workers: Type.Optional(WorkerSettings),
  rateLimits: Type.Optional(RateLimitSettings),
  maxConcurrentRuns: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: 4,
      description:
        'how many runs `sluice serve` keeps in flight at once, across every sync (and every worker)',
    }),
  ),
})

export const ProjectConfig = Obj(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.Optional(Name),
    settings: Type.Optional(Settings),
    sources: Named(SourceConfig, 'warehouse connections by name'),
    destinations: Named(DestinationConfig, 'destinations by name'),
    models: Named(ModelConfig, 'models by name'),
    syncs: Named(SyncConfig, 'syncs by name'),
  },
  { title: 'Sluice project config' },
)

export type ProjectConfig = Static<typeof ProjectConfig>
export type SourceConfig = Static<typeof SourceConfig>
export type DestinationConfig = Static<typeof DestinationConfig>
export type ModelConfig = Static<typeof ModelConfig>
export type SyncConfig = Static<typeof SyncConfig>
export type FieldMapping = Static<typeof FieldMapping>
export type Safeguards = Static<typeof Safeguards>
export type ColumnMapping = Static<typeof ColumnMapping>
export type CastColumnMapping = Static<typeof CastColumnMapping>
export type ConstantMapping = Static<typeof ConstantMapping>
export type ObjectMapping = Static<typeof ObjectMapping>
export type ArrayMapping = Static<typeof ArrayMapping>
export type ArrayMode = (typeof ARRAY_MODES)[number]
export type Schedule = Static<typeof Schedule>
export type Alert = Static<typeof Alert>
export type AlertEvent = (typeof ALERT_EVENTS)[number]
export type Batching = Static<typeof Batching>
export type Identifier = Static<typeof Identifier>
export type Settings = Static<typeof Settings>
export type StateSettings = Static<typeof StateSettings>
export type LakeSettings = Static<typeof LakeSettings>
export type WarehouseLogs = Static<typeof WarehouseLogs>
