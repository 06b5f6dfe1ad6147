import { isAbsolute, resolve as resolvePath } from 'node:path'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import type { DeleteBehaviour } from '../contract/records.js'
import { DEFAULTS } from '../defaults.js'
import type { LoadedConnectors } from './connectors.js'
import { type Env, resolveEnv } from './env.js'
import { ConfigError, type ConfigIssue, type Problem, toIssue } from './errors.js'
import type {
  Alert,
  Batching,
  DestinationConfig,
  FieldMapping,
  ModelConfig,
  ProjectConfig,
  Schedule,
  SourceConfig,
  SyncConfig,
} from './schema.js'
import { configProblems } from './validate.js'
import { type ConfigWarning, configWarnings } from './warnings.js'

/**
 * A project ready to run: env references resolved, validated, every default filled in and every
 * relative path made absolute against the config file's folder.
 */
export interface ResolvedProject {
  /** the config file, absolute */
  file: string
  /** the folder relative paths were resolved against */
  dir: string
  name: string | undefined
  settings: ResolvedSettings
  sources: Record<string, ResolvedSource>
  destinations: Record<string, ResolvedDestination>
  models: Record<string, ResolvedModel>
  syncs: Record<string, ResolvedSync>
  /**
   * Sources and destinations that cannot be used because an environment variable their config names
   * is not set, by JSON pointer (`/destinations/braze`), with the issues. Only the syncs that use one
   * are blocked: the rest of the project runs.
   */
  unavailable: Record<string, ConfigIssue[]>
  /** what `sluice validate` says out loud without refusing the config (see `configWarnings`) */
  warnings: ConfigWarning[]
}

export interface ResolvedSettings {
  /** the tracking lake's top folder: `settings.org ?? name ?? "default"` */
  org: string
  state: { backend: 'duckdb'; path: string } | { backend: 'postgres'; url: string; schema: string }
  lake: { path: string } | { s3: { bucket: string; prefix: string; region?: string; endpoint?: string } }
  retentionDays: number
  rejectedRetryDays: number
  warehouseLogs: { enabled: false } | { enabled: true; source: string; schema: string }
  /** the SMTP server for alert emails, when configured */
  smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string; from: string }
  /** runs `sluice serve` keeps in flight at once */
  maxConcurrentRuns: number
  /** set when runs go through the queue that `sluice worker` processes pull from */
  workers?: { leaseSeconds: number; concurrency: number }
  /** set when destination quotas are shared through Redis */
  rateLimits?: { redis: string }
}

export type ResolvedSource = SourceConfig & { name: string; config: Record<string, unknown> }
export type ResolvedDestination = DestinationConfig & { name: string; config: Record<string, unknown> }
/** A model with its name; a dbt model's manifest path is absolute. */
export type ResolvedModel = ModelConfig & { name: string }

export interface ResolvedSync extends SyncConfig {
  name: string
  enabled: boolean
  labels: string[]
  mappings: FieldMapping[]
  syncAllProperties: boolean
  /** set for mirror (default `delete`), absent for every other behaviour */
  deleteBehaviour?: DeleteBehaviour
  batching: Batching
  schedule: Schedule
  alerts: Alert[]
}

/** The settings' defaults (one home for every default: `DEFAULTS` in `defaults.ts`). */
export const DEFAULT_SETTINGS = {
  statePath: DEFAULTS.statePath,
  lakePath: DEFAULTS.lakePath,
  retentionDays: DEFAULTS.retentionDays,
  rejectedRetryDays: DEFAULTS.rejectedRetryDays,
  warehouseLogsSchema: DEFAULTS.warehouseLogsSchema,
  postgresSchema: DEFAULTS.postgresSchema,
  dbtManifest: DEFAULTS.dbtManifest,
  org: DEFAULTS.org,
  smtpPort: DEFAULTS.smtpPort,
  maxConcurrentRuns: DEFAULTS.maxConcurrentRuns,
} as const

export interface ResolveOptions {
  /** the config file, absolute; relative paths resolve against its folder */
  file: string
  /** how the file is named in issues */
  displayFile?: string
  /** where `${env:NAME}` references are read; `process.env` when absent */
  env?: Env
  connectors?: LoadedConnectors
}

/** Resolves env references, validates, and fills defaults; throws a `ConfigError` with every problem. */
export function resolveProject(raw: unknown, options: ResolveOptions): ResolvedProject {
  const displayFile = options.displayFile ?? options.file
  const env = resolveEnv(raw, options.env ?? process.env)
  const envPaths = new Set(env.problems.map((p) => p.path))
  // A variable missing from a source's or destination's config blocks only the syncs that use it.
  const unavailable: Record<string, ConfigIssue[]> = {}
  const deferred = new Set<Problem>()
  for (const problem of env.unset) {
    const connection = /^\/(sources|destinations)\/[^/]+/.exec(problem.path)?.[0]
    if (connection === undefined) continue
    unavailable[connection] = [...(unavailable[connection] ?? []), toIssue(displayFile, problem)]
    deferred.add(problem)
  }
  // A value whose variable is missing would only draw a second, confusing complaint about `${env:…}`.
  const problems = [
    ...env.problems.filter((p) => !deferred.has(p)),
    ...configProblems(env.value, { references: env.references, connectors: options.connectors }).filter(
      (p) => !envPaths.has(p.path),
    ),
  ]
  if (problems.length > 0) throw new ConfigError(problems.map((p) => toIssue(displayFile, p)))
  const warnings = configWarnings(env.value, { references: env.references, connectors: options.connectors })
  return {
    ...withDefaults(env.value as ProjectConfig, options.file, options.connectors),
    unavailable,
    warnings,
  }
}

function withDefaults(
  config: ProjectConfig,
  file: string,
  connectors: LoadedConnectors = {},
): Omit<ResolvedProject, 'unavailable' | 'warnings'> {
  const dir = resolvePath(file, '..')
  const at = (path: string) => (isAbsolute(path) ? path : resolvePath(dir, path))
  const settings = config.settings ?? {}
  const state = settings.state ?? { backend: 'duckdb' as const }
  const lake = settings.lake ?? { path: DEFAULT_SETTINGS.lakePath }
  const logs = settings.warehouseLogs
  return {
    file,
    dir,
    name: config.name,
    settings: {
      org: settings.org ?? config.name ?? DEFAULT_SETTINGS.org,
      state:
        state.backend === 'duckdb'
          ? { backend: 'duckdb', path: at(state.path ?? DEFAULT_SETTINGS.statePath) }
          : { backend: 'postgres', url: state.url, schema: state.schema ?? DEFAULT_SETTINGS.postgresSchema },
      lake: 'path' in lake ? { path: at(lake.path) } : { s3: { ...lake.s3, prefix: lake.s3.prefix ?? '' } },
      retentionDays: settings.retentionDays ?? DEFAULT_SETTINGS.retentionDays,
      rejectedRetryDays: settings.rejectedRetryDays ?? DEFAULT_SETTINGS.rejectedRetryDays,
      warehouseLogs: logs?.enabled
        ? {
            enabled: true,
            source: logs.source ?? Object.keys(config.sources)[0]!,
            schema: logs.schema ?? DEFAULT_SETTINGS.warehouseLogsSchema,
          }
        : { enabled: false },
      ...(settings.smtp
        ? {
            smtp: {
              ...settings.smtp,
              port: settings.smtp.port ?? DEFAULT_SETTINGS.smtpPort,
              secure: settings.smtp.secure ?? false,
            },
          }
        : {}),
      maxConcurrentRuns: settings.maxConcurrentRuns ?? DEFAULT_SETTINGS.maxConcurrentRuns,
      ...(settings.workers
        ? {
            workers: {
              leaseSeconds: settings.workers.leaseSeconds ?? DEFAULTS.workerLeaseSeconds,
              concurrency: settings.workers.concurrency ?? DEFAULTS.workerConcurrency,
            },
          }
        : {}),
      ...(settings.rateLimits ? { rateLimits: { redis: settings.rateLimits.redis } } : {}),
    },
    sources: mapEntries(config.sources, (name, source) => ({
      ...source,
      name,
      config: withConnectorDefaults(source.config, connectors.sources?.[source.type]?.config),
    })),
    destinations: mapEntries(config.destinations, (name, destination) => ({
      ...destination,
      name,
      config: withConnectorDefaults(destination.config, connectors.destinations?.[destination.type]?.config),
    })),
    models: mapEntries(config.models, (name, model) =>
      'dbt' in model
        ? {
            ...model,
            name,
            dbt: { ...model.dbt, manifest: at(model.dbt.manifest ?? DEFAULT_SETTINGS.dbtManifest) },
          }
        : { ...model, name },
    ),
    syncs: mapEntries(config.syncs, (name, sync) => {
      const { deleteBehaviour, ...rest } = sync
      const schedule = sync.schedule ?? { type: 'manual' }
      return {
        ...rest,
        name,
        enabled: sync.enabled ?? true,
        labels: sync.labels ?? [],
        mappings: sync.mappings ?? [],
        syncAllProperties: sync.syncAllProperties ?? false,
        ...(sync.behaviour === 'mirror' ? { deleteBehaviour: deleteBehaviour ?? ('delete' as const) } : {}),
        batching: sync.batching ?? {},
        schedule: schedule.type === 'cron' ? { ...schedule, timezone: schedule.timezone ?? 'UTC' } : schedule,
        alerts: sync.alerts ?? [],
      }
    }),
  }
}

/** The config is already a fresh copy (env resolution rebuilds every object), so filling it in place is safe. */
function withConnectorDefaults(config: Record<string, unknown> | undefined, schema: TSchema | undefined) {
  const filled = config ?? {}
  return schema ? (Value.Default(schema, filled) as Record<string, unknown>) : filled
}

function mapEntries<T, R>(record: Record<string, T>, map: (name: string, value: T) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, map(name, value)]))
}
