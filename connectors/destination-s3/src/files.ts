import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  INTEGER,
  VARCHAR,
} from '@duckdb/node-api'
import { SluiceError, stringifyExact, type Value } from '@sluice/core'
import type { Format } from './config.js'

/** One finished local file, ready to be stored. */
export interface LocalFile {
  path: string
  rows: number
  bytes: number
  sha256: string
}

export interface FileSpec {
  format: Format
  gzip: boolean
  maxFileBytes: number
  /** parquet: DuckDB types of fields; the rest are inferred from the values */
  columns: Record<string, string>
}

export function extension(spec: Pick<FileSpec, 'format' | 'gzip'>): string {
  return `.${spec.format}${spec.gzip ? '.gz' : ''}`
}

/** The columns of a set of records: the first record's fields, then any others in order of appearance. */
export function columnsOf(records: ReadonlyArray<Record<string, Value>>): string[] {
  const seen = new Set<string>()
  for (const record of records) for (const name of Object.keys(record)) seen.add(name)
  return [...seen]
}

/**
 * Writes records as CSV or JSON lines files of about `maxFileBytes` each (before gzip) in `dir`.
 * A batch is bounded (the destination's batch size), so each file is built in memory and written once.
 */
export async function writeTextFiles(
  records: ReadonlyArray<Record<string, Value>>,
  spec: FileSpec,
  dir: string,
  name: (index: number) => string,
): Promise<LocalFile[]> {
  const columns = columnsOf(records)
  const header = spec.format === 'csv' ? `${columns.map(csvField).join(',')}\r\n` : ''
  const line =
    spec.format === 'csv'
      ? (r: Record<string, Value>) => `${columns.map((c) => csvField(csvText(r[c]))).join(',')}\r\n`
      : (r: Record<string, Value>) => `${stringifyExact(r)}\n`
  const files: LocalFile[] = []
  let lines: string[] = []
  let bytes = header.length
  const flush = async () => {
    const text = header + lines.join('')
    const body = spec.gzip ? gzipSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8')
    const path = join(dir, name(files.length))
    await writeFile(path, body)
    files.push({ path, rows: lines.length, bytes: body.length, sha256: sha256(body) })
    lines = []
    bytes = header.length
  }
  for (const record of records) {
    const text = line(record)
    if (lines.length > 0 && bytes + text.length > spec.maxFileBytes) await flush()
    lines.push(text)
    bytes += text.length
  }
  if (lines.length > 0 || files.length === 0) await flush()
  return files
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(text: string | null): string {
  if (text === null) return ''
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvText(value: Value | undefined): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'object') return stringifyExact(value)
  return String(value)
}

/**
 * Writes records as parquet with DuckDB. The values go in as column vectors through DuckDB's appender:
 * integers as 64-bit integers, other numbers as doubles, booleans as booleans, and everything else as
 * its exact text. A column whose type (declared, or JSON) differs from its vector's is cast while the
 * parquet is written, as `CAST` does, so BIGINT and DECIMAL stay exact and a value that does not fit is
 * refused by name. DuckDB starts a new file once one has passed `maxFileBytes`, at a row group's end,
 * so row groups are sized from the records to about a quarter of it: files end near the limit, not a
 * whole default row group (122,880 rows) beyond it.
 */
export async function writeParquetFiles(
  connection: DuckDBConnection,
  records: ReadonlyArray<Record<string, Value>>,
  spec: FileSpec,
  dir: string,
): Promise<LocalFile[]> {
  const columns = columnsOf(records)
  const staged = columns.map((name) => stagedColumn(records, name, spec.columns[name]))
  const table = `sluice_stage_${randomBytes(6).toString('hex')}`
  const definition = staged.map((c, i) => `c${i} ${c.vector}`).join(', ')
  await connection.run(`CREATE TEMP TABLE ${table} (${definition || 'c0 INTEGER'})`)
  try {
    await appendColumns(connection, table, records, columns, staged)
    const select = columns
      .map((c, i) => {
        const { type, vector } = staged[i] as StagedColumn
        return `${type === vector ? `c${i}` : `CAST(c${i} AS ${type})`} AS ${quote(c)}`
      })
      .join(', ')
    await connection.run(
      `COPY (SELECT ${select || '1 AS empty'} FROM ${table})
       TO ${literal(dir)} (FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${spec.maxFileBytes},
          ROW_GROUP_SIZE ${rowGroupRows(records, spec.maxFileBytes)}, OVERWRITE_OR_IGNORE)`,
    )
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${table}`)
  }
  const names = (await readdir(dir)).filter((n) => n.endsWith('.parquet')).sort(byNumber)
  const files: LocalFile[] = []
  for (const name of names) {
    const path = join(dir, name)
    const reader = await connection.runAndReadAll(
      `SELECT num_rows FROM parquet_file_metadata(${literal(path)})`,
    )
    const rows = Number(reader.getRowsJS()[0]?.[0] ?? 0)
    files.push({ path, rows, bytes: (await stat(path)).size, sha256: await sha256File(path) })
  }
  return files
}

/** DuckDB's smallest and default row groups, in rows. */
const MIN_ROW_GROUP = 2048
const MAX_ROW_GROUP = 122_880

/**
 * Rows per row group so that one holds about a quarter of `maxFileBytes`, from the records' size as
 * JSON text (a sample of them). Parquet is smaller than the text, so groups err on the small side.
 */
function rowGroupRows(records: ReadonlyArray<Record<string, Value>>, maxFileBytes: number): number {
  const step = Math.max(1, Math.floor(records.length / 64))
  let bytes = 0
  let sampled = 0
  for (let i = 0; i < records.length; i += step, sampled++)
    bytes += stringifyExact(records[i] as Value).length
  const perRow = sampled > 0 ? Math.max(1, bytes / sampled) : 1
  const rows = Math.floor(maxFileBytes / 4 / perRow)
  return Math.min(MAX_ROW_GROUP, Math.max(MIN_ROW_GROUP, rows))
}

/** How one field reaches DuckDB: the column's type, and the vector its values are handed over in. */
interface StagedColumn {
  /** the parquet column's type: declared, or inferred from the values */
  type: string
  /** the vector's kind: native for the types JavaScript holds exactly, text for the rest */
  vector: 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR'
}

const NATIVE = new Set(['BIGINT', 'DOUBLE', 'BOOLEAN', 'VARCHAR'])

function stagedColumn(
  records: ReadonlyArray<Record<string, Value>>,
  name: string,
  declared: string | undefined,
): StagedColumn {
  const inferred = inferType(records, name)
  if (declared === undefined)
    return { type: inferred, vector: inferred === 'JSON' ? 'VARCHAR' : (inferred as StagedColumn['vector']) }
  // A declared type the values already have goes over natively; any other goes as text and is cast.
  const native = declared.trim().toUpperCase()
  if (native === inferred && NATIVE.has(native))
    return { type: native, vector: native as StagedColumn['vector'] }
  return { type: declared, vector: 'VARCHAR' }
}

const VECTOR_TYPES = { BIGINT, DOUBLE, BOOLEAN, VARCHAR } as const

/** Appends the records to the scratch table a data chunk (DuckDB's vector size of rows) at a time. */
async function appendColumns(
  connection: DuckDBConnection,
  table: string,
  records: ReadonlyArray<Record<string, Value>>,
  columns: readonly string[],
  staged: readonly StagedColumn[],
): Promise<void> {
  const appender = await connection.createAppender(table)
  try {
    const types = staged.length > 0 ? staged.map((c) => VECTOR_TYPES[c.vector]) : [INTEGER]
    for (let offset = 0; offset < records.length; offset += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, records.length - offset)
      const chunk = DuckDBDataChunk.create(types, count)
      if (staged.length === 0) {
        const vector = chunk.getColumnVector(0)
        for (let r = 0; r < count; r++) vector.setItem(r, null)
        vector.flush()
      }
      for (let i = 0; i < staged.length; i++) {
        const column = columns[i] as string
        const toValue = converters[(staged[i] as StagedColumn).vector]
        const vector = chunk.getColumnVector(i)
        for (let r = 0; r < count; r++) {
          const value = (records[offset + r] as Record<string, Value>)[column]
          vector.setItem(r, value === null || value === undefined ? null : toValue(value, column))
        }
        vector.flush()
      }
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
}

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A value as its vector holds it; only values whose kind inferred that vector reach the native ones. */
const converters = {
  BIGINT: (value: Value, column: string) => {
    const integer = typeof value === 'bigint' ? value : BigInt(value as number)
    if (integer < INT64_MIN || integer > INT64_MAX)
      throw new SluiceError(
        'config',
        `field "${column}": ${integer} does not fit the inferred BIGINT; declare its type in "columns" (DECIMAL(38,0), DOUBLE …)`,
        {
          component: 's3',
          code: 'VALUE_OUT_OF_RANGE',
        },
      )
    return integer
  },
  DOUBLE: (value: Value) => Number(value),
  BOOLEAN: (value: Value) => value as boolean,
  VARCHAR: (value: Value) => csvText(value) as string,
}

/** A DuckDB type for a field without a declared one, from its values. */
function inferType(records: ReadonlyArray<Record<string, Value>>, column: string): string {
  let type: string | undefined
  for (const record of records) {
    const value = record[column]
    if (value === null || value === undefined) continue
    const next =
      typeof value === 'boolean'
        ? 'BOOLEAN'
        : typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))
          ? 'BIGINT'
          : typeof value === 'number'
            ? 'DOUBLE'
            : typeof value === 'object'
              ? 'JSON'
              : 'VARCHAR'
    if (type === undefined) type = next
    else if (type !== next) {
      if ((type === 'BIGINT' && next === 'DOUBLE') || (type === 'DOUBLE' && next === 'BIGINT'))
        type = 'DOUBLE'
      else return 'VARCHAR'
    }
  }
  return type ?? 'VARCHAR'
}

function byNumber(a: string, b: string): number {
  const n = (s: string) => Number(s.match(/(\d+)\.parquet$/)?.[1] ?? 0)
  return n(a) - n(b)
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex')
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
