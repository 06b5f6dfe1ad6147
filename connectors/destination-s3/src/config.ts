import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SluiceError } from '@sluice/core'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'

export const FORMATS = ['csv', 'jsonl', 'parquet'] as const
export type Format = (typeof FORMATS)[number]
export const MODES = ['snapshot', 'changes', 'diff'] as const
export type Mode = (typeof MODES)[number]

/** The placeholders a key template may use. */
export const KEY_PLACEHOLDERS = ['sync', 'object', 'run', 'date', 'time', 'operation', 'part'] as const

const MiB = 1024 * 1024
/** S3 refuses multipart parts under 5 MiB (all but the last). */
const MIN_PART_BYTES = 5 * MiB

/**
 * The S3 destination's settings. Credentials are not here: they come from the standard AWS chain
 * (environment, shared config and SSO profiles, container and instance roles).
 */
export const S3ConfigSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      description:
        'where files go: s3://bucket/prefix, or file:///absolute/folder (file:folder is relative to the ' +
        "project's folder) to write to a local folder",
    }),
    region: Type.Optional(
      Type.String({ minLength: 1, description: "the bucket's region; AWS_REGION otherwise" }),
    ),
    endpoint: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'an S3-compatible endpoint URL (MinIO, R2, Ceph …); objects are addressed path-style',
      }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('csv'), Type.Literal('jsonl'), Type.Literal('parquet')], {
        default: 'csv',
        description:
          'csv (RFC 4180, a header row), jsonl (one JSON object per line) or parquet (typed columns, written by DuckDB)',
      }),
    ),
    gzip: Type.Optional(
      Type.Boolean({ default: false, description: 'gzip csv and jsonl files (parquet compresses itself)' }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('snapshot'), Type.Literal('changes'), Type.Literal('diff')], {
        default: 'changes',
        description:
          'snapshot: every run writes the whole model (behaviour mirror); changes: every run writes its added ' +
          'and changed rows (behaviour upsert), or only its added rows (append); diff: added, changed and removed ' +
          'rows in separate files (behaviour mirror)',
      }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        default: '{sync}/{date}/{run}/{operation}-{part}',
        description:
          'the object key of each file, below the URL, without extension: {sync}, {object}, {run}, {date} ' +
          '(YYYY-MM-DD), {time} (HHmmss), {operation} (upsert, append … ; added, changed, removed in diff ' +
          'mode; snapshot in snapshot mode) and {part}; it must hold {run} and {part}',
      }),
    ),
    manifestKey: Type.Optional(
      Type.String({
        minLength: 1,
        default: '{sync}/{date}/{run}/manifest.json',
        description:
          'the key of the manifest written when a run succeeds, listing every file with rows, bytes and sha256; ' +
          'it must hold {run}',
      }),
    ),
    maxFileBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        default: 128 * MiB,
        description: 'a file is split into parts at about this size',
      }),
    ),
    partSizeBytes: Type.Optional(
      Type.Integer({
        minimum: MIN_PART_BYTES,
        default: 8 * MiB,
        description: 'files above this size are uploaded in multipart uploads of parts this size',
      }),
    ),
    columns: Type.Optional(
      Type.Record(Type.String(), Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_(), ]*$' }), {
        description:
          'parquet: DuckDB types of fields, e.g. { "amount": "DECIMAL(18,2)", "id": "BIGINT" }, written exactly; ' +
          "other fields' types are inferred from their values",
      }),
    ),
  },
  { additionalProperties: false },
)

export type S3Config = Static<typeof S3ConfigSchema>

export type Location = { kind: 's3'; bucket: string; prefix: string } | { kind: 'folder'; path: string }

export interface ResolvedS3Config {
  location: Location
  region: string | undefined
  endpoint: string | undefined
  format: Format
  gzip: boolean
  mode: Mode
  key: string
  manifestKey: string
  maxFileBytes: number
  partSizeBytes: number
  columns: Record<string, string>
}

/**
 * Validates settings before any connection is made, collecting every problem as "path: message" so a
 * user fixes them in one go.
 */
export function resolveConfig(raw: unknown): ResolvedS3Config {
  const problems = [...Value.Errors(S3ConfigSchema, raw)]
    .filter((e) => e.keyword !== 'boolean' || !e.schemaPath.endsWith('additionalProperties'))
    .map((e) => `${pathOf(e.instancePath)}: ${e.message}${extraKeys(e.params)}`)
  if (problems.length === 0) {
    const config = raw as S3Config
    const location = parseUrl(config.url)
    if (typeof location === 'string') problems.push(`url: ${location}`)
    if (config.gzip && config.format === 'parquet')
      problems.push('gzip: parquet files are compressed already; gzip applies to csv and jsonl')
    if (location && typeof location !== 'string' && location.kind === 'folder') {
      for (const key of ['region', 'endpoint'] as const)
        if (config[key] !== undefined) problems.push(`${key}: only applies to an s3:// url`)
    }
    if (config.columns && config.format !== 'parquet')
      problems.push('columns: types apply to parquet files only (csv and jsonl hold text)')
    problems.push(...templateProblems('key', config.key ?? '{run}{part}', ['run', 'part']))
    problems.push(
      ...templateProblems('manifestKey', config.manifestKey ?? '{run}', ['run'], ['part', 'operation']),
    )
    if (config.endpoint !== undefined && !URL.canParse(config.endpoint))
      problems.push(`endpoint: "${config.endpoint}" is not a URL`)
  }
  if (problems.length > 0) {
    throw new SluiceError('config', `invalid config: ${problems.join('; ')}`, {
      code: 'INVALID_CONFIG',
      component: 's3',
    })
  }
  const config = Value.Default(S3ConfigSchema, Value.Clone(raw)) as Required<S3Config>
  return {
    location: parseUrl(config.url) as Location,
    region: config.region,
    endpoint: config.endpoint,
    format: config.format,
    gzip: config.gzip,
    mode: config.mode,
    key: config.key,
    manifestKey: config.manifestKey,
    maxFileBytes: config.maxFileBytes,
    partSizeBytes: config.partSizeBytes,
    columns: config.columns ?? {},
  }
}

/** `s3://bucket/prefix` or a `file:` URL, or the reason it is neither. */
function parseUrl(url: string): Location | string {
  if (url.startsWith('s3://')) {
    const [bucket = '', ...rest] = url.slice('s3://'.length).split('/')
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      return `"${bucket}" is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`
    const prefix = rest.filter((part) => part !== '').join('/')
    return { kind: 's3', bucket, prefix: prefix ? `${prefix}/` : '' }
  }
  if (url.startsWith('file:')) {
    // file:///abs/path is absolute; file:relative/path is relative to the project's folder.
    const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length)
    if (!path) return 'a file: URL needs a folder'
    return { kind: 'folder', path: isAbsolute(path) ? path : resolve(path) }
  }
  return `"${url}" is neither s3://bucket/prefix nor a file: URL`
}

function templateProblems(
  name: string,
  template: string,
  required: string[],
  forbidden: string[] = [],
): string[] {
  const problems: string[] = []
  const used = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string)
  for (const placeholder of used) {
    if (!(KEY_PLACEHOLDERS as readonly string[]).includes(placeholder))
      problems.push(
        `${name}: unknown placeholder {${placeholder}} (known: ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
      )
    else if (forbidden.includes(placeholder))
      problems.push(`${name}: {${placeholder}} is not known for a manifest`)
  }
  for (const placeholder of required)
    if (!used.includes(placeholder))
      problems.push(
        `${name}: must hold {${placeholder}}, so that ${placeholder === 'run' ? 'runs never overwrite each other' : 'the parts of a file get their own keys'}`,
      )
  if (template.startsWith('/')) problems.push(`${name}: must not start with "/"`)
  return problems
}

function pathOf(instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.')
  return path === '' ? 'config' : path
}

function extraKeys(params: unknown): string {
  const extra = (params as { additionalProperties?: unknown } | undefined)?.additionalProperties
  return Array.isArray(extra) && extra.length > 0 ? ` (${extra.join(', ')})` : ''
}
