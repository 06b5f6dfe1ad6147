import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { DuckDBConnection } from '@duckdb/node-api'
import { stringifyExact, type Value } from '@sluice/core'
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
 * Writes records as parquet with DuckDB: the values go in as exact text (a CSV file of quoted strings),
 * and DuckDB casts each column to its type while writing, so BIGINT and DECIMAL stay exact. DuckDB splits
 * the output at `maxFileBytes`.
 */
export async function writeParquetFiles(
  connection: DuckDBConnection,
  records: ReadonlyArray<Record<string, Value>>,
  spec: FileSpec,
  dir: string,
): Promise<LocalFile[]> {
  const columns = columnsOf(records)
  const types = columns.map((c) => spec.columns[c] ?? inferType(records, c))
  // Every value goes in as quoted text and an unquoted empty field is NULL, so '' and NULL stay apart.
  const staged = `${dir}.stage.csv`
  const lines: string[] = new Array(records.length)
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as Record<string, Value>
    let line = ''
    for (let i = 0; i < columns.length; i++) {
      const text = csvText(record[columns[i] as string])
      if (i > 0) line += ','
      if (text !== null) line += `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`
    }
    lines[r] = line
  }
  await writeFile(staged, `${lines.join('\n')}\n`)
  try {
    const struct = columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')
    const select = columns.map((c, i) => `CAST(c${i} AS ${types[i]}) AS ${quote(c)}`).join(', ')
    await connection.run(
      `COPY (SELECT ${select || '1 AS empty'} FROM read_csv(${literal(staged)}, header = false, quote = '"', escape = '"',
         delim = ',', allow_quoted_nulls = false, columns = {${struct}}))
       TO ${literal(dir)} (FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${spec.maxFileBytes}, OVERWRITE_OR_IGNORE)`,
    )
  } finally {
    await rm(staged, { force: true })
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
