import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { DuckDBConnection } from '@duckdb/node-api'
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
  let last: string[] = []
  for (const record of records) {
    // Most records have the fields of the one before, in the same order: only others are looked up.
    let i = 0
    let same = true
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue
      if (same && last[i] === name) i++
      else {
        same = false
        seen.add(name)
      }
    }
    if (!same || i !== last.length) {
      last = Object.keys(record)
      for (const name of last) seen.add(name)
    }
  }
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
 * Writes records as parquet with DuckDB. Each column's values go over as one text (see `encodeRows`),
 * bound as a parameter of the `COPY` itself: DuckDB splits it into rows and casts each column to its
 * type (declared, or inferred from the values) while writing the parquet, as `CAST` does, so BIGINT and
 * DECIMAL stay exact and a value that does not fit is refused by name. A handful of native calls per
 * write, instead of one per value. DuckDB starts a new file once one has passed `maxFileBytes`, at a
 * row group's end, so row groups are sized from the records to about a quarter of it: files end near
 * the limit, not a whole default row group (122,880 rows) beyond it.
 */
export async function writeParquetFiles(
  connection: DuckDBConnection,
  records: ReadonlyArray<Record<string, Value>>,
  spec: FileSpec,
  dir: string,
): Promise<LocalFile[]> {
  return writeEncodedParquet(connection, encodeParquet(records, spec), dir)
}

/** A write's rows as DuckDB will read them: the `COPY` and the texts bound to it. */
export interface EncodedParquet {
  rows: number
  sql: (dir: string) => string
  texts: string[]
}

/**
 * The JavaScript half of `writeParquetFiles`: the records as texts and the `COPY` that reads them.
 * It needs no connection, so a write can encode while DuckDB is busy with the one before it.
 */
export function encodeParquet(records: ReadonlyArray<Record<string, Value>>, spec: FileSpec): EncodedParquet {
  const columns = columnsOf(records)
  const parts: EncodedSlice[] = []
  const size = Math.ceil(records.length / Math.ceil(records.length / PART_ROWS))
  for (let from = 0; from < records.length; from += size)
    parts.push(...encodeSlices(records, columns, from, Math.min(records.length, from + size)))
  const types = columns.map((name, i) => columnType(name, spec.columns[name], parts, i))
  // The parts are read side by side (a UNION ALL keeps their order), so DuckDB's threads share a write.
  const select = columns.length
    ? `SELECT ${columns.map((c, i) => `${castSql(`c${i}`, types[i] as string)} AS ${quote(c)}`).join(', ')}
       FROM (${parts.map((part, p) => unnestSql(part, p * columns.length)).join(' UNION ALL ')})`
    : `SELECT 1 AS empty FROM range(${records.length})`
  const options = `FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${spec.maxFileBytes},
       ROW_GROUP_SIZE ${rowGroupRows(records, spec.maxFileBytes)}, OVERWRITE_OR_IGNORE, RETURN_STATS`
  return {
    rows: records.length,
    sql: (dir) => `COPY (${select}) TO ${literal(dir)} (${options})`,
    texts: parts.flatMap((part) => part.texts),
  }
}

/** The DuckDB half of `writeParquetFiles`: runs the `COPY` and lists the files it wrote. */
export async function writeEncodedParquet(
  connection: DuckDBConnection,
  encoded: EncodedParquet,
  dir: string,
): Promise<LocalFile[]> {
  const stats = await readAll(connection, encoded.sql(dir), encoded.texts)
  const byName = new Map(stats.map((s) => [basename(String(s.filename)), s]))
  const names = (await readdir(dir)).filter((n) => n.endsWith('.parquet')).sort(byNumber)
  const files: LocalFile[] = []
  for (const name of names) {
    const path = join(dir, name)
    const reported = byName.get(name)
    const { rows, bytes } = reported
      ? { rows: Number(reported.count), bytes: Number(reported.file_size_bytes) }
      : await fileFacts(connection, path)
    files.push({ path, rows, bytes, sha256: await sha256File(path) })
  }
  const rows = files.reduce((sum, f) => sum + f.rows, 0)
  if (rows !== encoded.rows)
    throw new SluiceError('internal', `parquet files hold ${rows} rows of a write of ${encoded.rows}`, {
      component: 's3',
      code: 'ROW_COUNT',
    })
  return files
}

/** Rows and bytes of a parquet file DuckDB did not report on. */
async function fileFacts(connection: DuckDBConnection, path: string) {
  const [row] = await readAll(connection, `SELECT num_rows FROM parquet_file_metadata(${literal(path)})`, [])
  return { rows: Number(row?.num_rows ?? 0), bytes: (await stat(path)).size }
}

async function readAll(
  connection: DuckDBConnection,
  sql: string,
  texts: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  if (texts.length === 0) return (await connection.runAndReadAll(sql)).getRowObjectsJS()
  const statement = await connection.prepare(sql)
  try {
    for (const [i, text] of texts.entries()) statement.bindVarchar(i + 1, text)
    return (await statement.runAndReadAll()).getRowObjectsJS()
  } finally {
    // The bound texts are as large as the write: free them now, not when the collector gets to it.
    statement.destroySync()
  }
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

/**
 * The separator between the values in a column's text, and the one-character value that stands for
 * null. Both are control characters; a column with a string that holds the separator, or is exactly
 * the null character, goes over as a JSON array of its texts instead.
 */
const SEPARATOR = '\u0001'
const NULL_TEXT = '\u0002'
const SEPARATOR_SQL = 'chr(1)'
const NULL_TEXT_SQL = 'chr(2)'

/**
 * Most rows per part of a write (a write is cut into equal parts): each part's columns are texts of
 * their own, and DuckDB reads the parts in parallel. Measured on 2 cores, 50,000 rows: 20–30% less
 * time in DuckDB in 2 or 4 parts than in 1.
 */
const PART_ROWS = 16_384

/** Longest column text in characters: V8's strings end near 2^29, so a larger write is sliced. */
const MAX_TEXT = 2 ** 27

/** What the values of one column of a slice say about its type, and how its text is laid out. */
export interface ColumnFacts {
  /** BIGINT, DOUBLE, BOOLEAN, JSON or VARCHAR; undefined while every value was null */
  kind: string | undefined
  /** an integer beyond 64 bits, refused if the column ends up BIGINT */
  outOfRange: bigint | undefined
  /** the text is a JSON array of texts (a string held the separator or was the null text) */
  json: boolean
}

export interface EncodedSlice {
  /** one text per column: its values' texts, in row order */
  texts: string[]
  facts: ColumnFacts[]
}

/**
 * Rows `from`…`to` as one text per column, in one slice or, when a column's text would pass
 * `maxText` characters (V8's strings end near 2^29), in several, halving the rows until each fits.
 */
export function encodeSlices(
  records: ReadonlyArray<Record<string, Value>>,
  columns: readonly string[],
  from: number,
  to: number,
  maxText = MAX_TEXT,
): EncodedSlice[] {
  const encoded = encodeRows(records, columns, from, to, maxText)
  if (typeof encoded !== 'string') return [encoded]
  if (to - from < 2)
    throw new SluiceError('config', `field "${encoded}": a value too large to write as parquet`, {
      component: 's3',
      code: 'VALUE_TOO_LARGE',
    })
  const middle = from + Math.floor((to - from) / 2)
  return [
    ...encodeSlices(records, columns, from, middle, maxText),
    ...encodeSlices(records, columns, middle, to, maxText),
  ]
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const TWO_63 = 2 ** 63

/** Kinds of value, as small numbers while encoding: none yet, then one per inferred type. */
const NONE = 0
const KIND_NAMES = [undefined, 'BIGINT', 'DOUBLE', 'BOOLEAN', 'JSON', 'VARCHAR'] as const
const BIGINT_KIND = 1
const DOUBLE_KIND = 2
const BOOLEAN_KIND = 3
const JSON_KIND = 4
const VARCHAR_KIND = 5

/**
 * Rows `from`…`to` as one text per column: each value's exact text (as `csvText` writes it: strings
 * as they are, numbers as JavaScript writes them, which DuckDB reads back to the same double, bigints
 * as their digits, objects as JSON) joined by the separator, null as the null text; or, for a column
 * with a string that collides with either, a JSON array of the texts. Each row is read once, its
 * fields in their own order, and each column's type is inferred in the same pass: a value's text does
 * not depend on its column's type, except -0, which is "-0" only where the column is DOUBLE. The name
 * of a column whose text would pass `maxText` characters, instead, for the caller to slice the rows.
 */
function encodeRows(
  records: ReadonlyArray<Record<string, Value>>,
  columns: readonly string[],
  from: number,
  to: number,
  maxText: number,
): EncodedSlice | string {
  const width = columns.length
  const count = to - from
  const index = new Map(columns.map((name, j) => [name, j]))
  const items = columns.map(() => new Array<string | null>(count).fill(null))
  const kinds = new Uint8Array(width)
  const mixed = new Uint8Array(width)
  const json = new Uint8Array(width)
  const nulls = new Uint32Array(width).fill(count)
  const lengths = new Float64Array(width)
  const outOfRange: Array<bigint | undefined> = new Array(width).fill(undefined)
  const negativeZeros: Array<number[] | undefined> = new Array(width).fill(undefined)
  for (let r = 0; r < count; r++) {
    const record = records[from + r] as Record<string, Value>
    let j = 0
    for (const key in record) {
      if (columns[j] !== key) {
        const found = index.get(key)
        if (found === undefined) continue
        j = found
      }
      const value = record[key] as Value | undefined
      const column = j++
      if (value === null || value === undefined) continue
      let item: string
      let kind: number
      if (typeof value === 'string') {
        if (value === NULL_TEXT || value.includes(SEPARATOR)) json[column] = 1
        item = value
        kind = VARCHAR_KIND
      } else if (typeof value === 'number') {
        if (Number.isInteger(value)) {
          kind = BIGINT_KIND
          if ((value >= TWO_63 || value < -TWO_63) && outOfRange[column] === undefined)
            outOfRange[column] = BigInt(value)
        } else kind = DOUBLE_KIND
        if (value === 0 && 1 / value < 0) {
          item = '-0'
          let rows = negativeZeros[column]
          if (rows === undefined) negativeZeros[column] = rows = []
          rows.push(r)
        } else item = String(value)
      } else if (typeof value === 'bigint') {
        kind = BIGINT_KIND
        if ((value < INT64_MIN || value > INT64_MAX) && outOfRange[column] === undefined)
          outOfRange[column] = value
        item = value.toString()
      } else if (typeof value === 'boolean') {
        kind = BOOLEAN_KIND
        item = value ? 'true' : 'false'
      } else {
        kind = JSON_KIND
        item = stringifyExact(value)
      }
      const known = kinds[column] as number
      if (kind !== known) {
        if (known === NONE) kinds[column] = kind
        else if (
          (known === BIGINT_KIND && kind === DOUBLE_KIND) ||
          (known === DOUBLE_KIND && kind === BIGINT_KIND)
        )
          kinds[column] = DOUBLE_KIND
        else mixed[column] = 1
      }
      ;(items[column] as Array<string | null>)[r] = item
      nulls[column] = (nulls[column] as number) - 1
      // The JSON text's quotes and commas, or the separators; JSON escapes are not counted.
      const length = (lengths[column] as number) + item.length + 3
      lengths[column] = length
      if (length > maxText) return columns[column] as string
    }
  }
  const texts: string[] = []
  const facts: ColumnFacts[] = []
  for (let j = 0; j < width; j++) {
    const values = items[j] as Array<string | null>
    const kind = mixed[j] ? VARCHAR_KIND : (kinds[j] as number)
    // -0 stays "-0" only where the column is DOUBLE; in a mixed VARCHAR column it is "0", as `csvText` writes it.
    if (kind === VARCHAR_KIND) for (const r of negativeZeros[j] ?? []) values[r] = '0'
    if ((lengths[j] as number) + 4 * (nulls[j] as number) > maxText) return columns[j] as string
    if (json[j]) texts.push(JSON.stringify(values))
    else {
      if (nulls[j]) for (let r = 0; r < count; r++) if (values[r] === null) values[r] = NULL_TEXT
      texts.push(joinText(values as string[]))
    }
    facts.push({ kind: KIND_NAMES[kind], outOfRange: outOfRange[j], json: json[j] === 1 })
  }
  return { texts, facts }
}

/** `items.join(SEPARATOR)`, in pieces: V8 joins a long array about half as fast as short ones. */
function joinText(items: string[]): string {
  if (items.length <= JOIN_PIECE) return items.join(SEPARATOR)
  const pieces: string[] = []
  for (let i = 0; i < items.length; i += JOIN_PIECE)
    pieces.push(items.slice(i, i + JOIN_PIECE).join(SEPARATOR))
  return pieces.join(SEPARATOR)
}

const JOIN_PIECE = 1024

/** The query that turns a slice's texts (parameters $base+1 …) into rows of text columns c0, c1 … */
function unnestSql(slice: EncodedSlice, base: number): string {
  const lists = slice.facts.map((facts, i) =>
    facts.json
      ? `json_transform($${base + i + 1}, '["VARCHAR"]')`
      : `string_split($${base + i + 1}, ${SEPARATOR_SQL})`,
  )
  const nulls = slice.facts.map((facts, i) =>
    facts.json ? `c${i}` : `nullif(c${i}, ${NULL_TEXT_SQL}) AS c${i}`,
  )
  return `SELECT ${nulls.join(', ')} FROM (SELECT ${lists.map((l, i) => `unnest(${l}) AS c${i}`).join(', ')})`
}

/** A column's parquet type: declared, or inferred from every slice's values. */
function columnType(name: string, declared: string | undefined, slices: EncodedSlice[], i: number): string {
  if (declared !== undefined) return declared
  let type: string | undefined
  let outOfRange: bigint | undefined
  for (const slice of slices) {
    const facts = slice.facts[i] as ColumnFacts
    outOfRange ??= facts.outOfRange
    const kind = facts.kind
    if (kind === undefined || kind === type) continue
    if (type === undefined) type = kind
    else if ((type === 'BIGINT' && kind === 'DOUBLE') || (type === 'DOUBLE' && kind === 'BIGINT'))
      type = 'DOUBLE'
    else type = 'VARCHAR'
  }
  type ??= 'VARCHAR'
  if (type === 'BIGINT' && outOfRange !== undefined)
    throw new SluiceError(
      'config',
      `field "${name}": ${outOfRange} does not fit the inferred BIGINT; declare its type in "columns" (DECIMAL(38,0), DOUBLE …)`,
      { component: 's3', code: 'VALUE_OUT_OF_RANGE' },
    )
  return type
}

function castSql(column: string, type: string): string {
  return type.trim().toUpperCase() === 'VARCHAR' ? column : `CAST(${column} AS ${type})`
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
