import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { SluiceError } from '@sluice/core/contract'
import { literal } from './database.js'
import { isMissing, renameDurably, syncFile } from './files.js'

/**
 * A sync's snapshot as files: a compacted base (`base.<gen>.parquet`) and the deltas committed on top
 * of it (`delta.<gen>.<seq>.parquet`). Every file is written under a temporary name and renamed into
 * place, so a reader sees a file whole or not at all.
 *
 * Base rows: `identifier, hash, rejected_hash, rejected_at` (ms since epoch). `hash` is what the
 * destination acknowledged; `rejected_*` is the last rejection (for the retry age). Delta rows:
 * `seq, op (put | remove | reject), identifier, hash, at_ms`.
 */
export interface SnapshotFiles {
  dir: string
  generation: number
  /** the base of `generation`, if one was ever written */
  base: string | undefined
  deltas: string[]
  /** the highest delta sequence number of this generation (0 when there is none) */
  lastSeq: number
  /** files of older generations, left by a compaction that was interrupted */
  obsolete: string[]
}

const BASE = /^base\.(\d+)\.parquet$/
const DELTA = /^delta\.(\d+)\.(\d+)\.parquet$/

export async function listSnapshot(dir: string): Promise<SnapshotFiles> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (!isMissing(error)) throw error
    names = []
  }
  let generation = 0
  for (const name of names) {
    const m = BASE.exec(name)
    if (m) generation = Math.max(generation, Number(m[1]))
  }
  const files: SnapshotFiles = { dir, generation, base: undefined, deltas: [], lastSeq: 0, obsolete: [] }
  for (const name of names.sort()) {
    const base = BASE.exec(name)
    const delta = DELTA.exec(name)
    const gen = Number((base ?? delta)?.[1] ?? -1)
    if (gen < 0) {
      if (name.includes('.tmp')) files.obsolete.push(join(dir, name))
      continue
    }
    if (gen < generation) files.obsolete.push(join(dir, name))
    else if (base) files.base = join(dir, name)
    else if (delta) {
      files.deltas.push(join(dir, name))
      files.lastSeq = Math.max(files.lastSeq, Number(delta[2]))
    }
  }
  return files
}

export function baseName(generation: number): string {
  return `base.${String(generation).padStart(8, '0')}.parquet`
}

export function deltaName(generation: number, seq: number): string {
  return `delta.${String(generation).padStart(8, '0')}.${String(seq).padStart(8, '0')}.parquet`
}

const EMPTY_BASE =
  '(SELECT NULL::VARCHAR AS identifier, NULL::VARCHAR AS hash, NULL::VARCHAR AS rejected_hash, NULL::BIGINT AS rejected_at WHERE false)'
const EMPTY_DELTA =
  '(SELECT NULL::BIGINT AS seq, NULL::VARCHAR AS op, NULL::VARCHAR AS identifier, NULL::VARCHAR AS hash, NULL::BIGINT AS at_ms WHERE false)'

export function baseRelation(files: Pick<SnapshotFiles, 'base'>): string {
  return files.base ? `read_parquet(${literal(files.base)})` : EMPTY_BASE
}

function deltaRelation(deltas: readonly string[]): string {
  return deltas.length > 0 ? `read_parquet([${deltas.map(literal).join(', ')}])` : EMPTY_DELTA
}

/**
 * The current state as SQL: the base with every delta applied. For each identifier the latest put or
 * remove decides the hash; a rejection later than that decides the rejection.
 */
export function currentStateSql(files: Pick<SnapshotFiles, 'base' | 'deltas'>): string {
  if (files.deltas.length === 0) return `SELECT * FROM ${baseRelation(files)}`
  return `
    WITH d AS (SELECT * FROM ${deltaRelation(files.deltas)}),
    pr AS (SELECT identifier, arg_max(op, seq) AS op, arg_max(hash, seq) AS hash, max(seq) AS seq
           FROM d WHERE op IN ('put', 'remove') GROUP BY identifier),
    rj AS (SELECT identifier, arg_max(hash, seq) AS hash, arg_max(at_ms, seq) AS at_ms, max(seq) AS seq
           FROM d WHERE op = 'reject' GROUP BY identifier),
    merged AS (
      SELECT coalesce(b.identifier, pr.identifier, rj.identifier) AS identifier,
        CASE WHEN pr.identifier IS NULL THEN b.hash WHEN pr.op = 'put' THEN pr.hash END AS hash,
        CASE WHEN rj.identifier IS NOT NULL AND (pr.identifier IS NULL OR rj.seq > pr.seq) THEN rj.hash
             WHEN pr.identifier IS NOT NULL THEN NULL ELSE b.rejected_hash END AS rejected_hash,
        CASE WHEN rj.identifier IS NOT NULL AND (pr.identifier IS NULL OR rj.seq > pr.seq) THEN rj.at_ms
             WHEN pr.identifier IS NOT NULL THEN NULL ELSE b.rejected_at END AS rejected_at
      FROM ${baseRelation(files)} b
      FULL OUTER JOIN pr ON b.identifier = pr.identifier
      FULL OUTER JOIN rj ON coalesce(b.identifier, pr.identifier) = rj.identifier
    )
    SELECT * FROM merged WHERE hash IS NOT NULL OR rejected_hash IS NOT NULL`
}

/** Past this many delta files, reading the snapshot costs more than rewriting it. */
const MAX_DELTA_FILES = 64
/** Deltas holding more rows than this share of the base are folded in. */
const MAX_DELTA_SHARE = 0.1

/**
 * Folds the deltas into a new base of the next generation, then removes the old files — when it pays:
 * rewriting a 10M-row base for a few thousand changed rows would cost more than the run itself, so
 * small deltas stay (the current state folds them in on every read). Only the lock holder compacts.
 * A crash before the rename leaves the old generation intact; after it, the new base wins and the old
 * files are removed by the next compaction.
 */
export async function compact(
  connection: DuckDBConnection,
  dir: string,
  options: { force?: boolean } = {},
): Promise<SnapshotFiles> {
  await mkdir(dir, { recursive: true })
  const files = await listSnapshot(dir)
  if (files.deltas.length > 0 && (options.force || (await worthCompacting(connection, files)))) {
    const next = files.generation + 1
    await writeParquet(connection, currentStateSql(files), join(dir, baseName(next)))
    files.obsolete.push(...files.deltas, ...(files.base ? [files.base] : []))
  }
  for (const path of files.obsolete) await rm(path, { force: true })
  return listSnapshot(dir)
}

async function worthCompacting(connection: DuckDBConnection, files: SnapshotFiles): Promise<boolean> {
  if (files.deltas.length > MAX_DELTA_FILES || !files.base) return true
  // Row counts come from the parquet footers: nothing is scanned.
  const rows = async (paths: string[]) => {
    const reader = await connection.runAndReadAll(
      `SELECT coalesce(sum(num_rows), 0)::BIGINT FROM parquet_file_metadata([${paths.map(literal).join(', ')}])`,
    )
    return Number(reader.getRows()[0]?.[0] ?? 0)
  }
  return (await rows(files.deltas)) > MAX_DELTA_SHARE * (await rows([files.base]))
}

/** Replaces the snapshot with the rows of a query (reset CDC, reset). */
export async function replaceBase(connection: DuckDBConnection, dir: string, sql: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const files = await listSnapshot(dir)
  await writeParquet(connection, sql, join(dir, baseName(files.generation + 1)))
  for (const path of [...files.obsolete, ...files.deltas, ...(files.base ? [files.base] : [])])
    await rm(path, { force: true })
}

/** COPY to a temporary name, flush, rename into place: readers never see a partial parquet file. */
export async function writeParquet(
  connection: DuckDBConnection,
  sql: string,
  path: string,
  params?: string[],
): Promise<void> {
  const temp = `${path}.tmp`
  await connection.run(`COPY (${sql}) TO ${literal(temp)} (FORMAT parquet, COMPRESSION zstd)`, params)
  await syncFile(temp)
  await renameDurably(temp, path)
}

/** What to do about a state file that cannot be read. */
export const DOCTOR_HINT =
  'Run "sluice doctor" to list the state files that cannot be read, then "sluice doctor --repair --yes" to ' +
  "move them to the state folder's quarantine: the rows a snapshot file recorded as synced are then sent " +
  'again by the next run, never skipped.'

/**
 * A DuckDB error about one of a sync's snapshot files, as an error that names the file and the fix;
 * any other error as it is.
 */
export function snapshotError(error: unknown, dir: string): unknown {
  const message = String((error as Error | undefined)?.message ?? error)
  const file = /'([^']+\.parquet)'/.exec(message)?.[1]
  if (!file?.startsWith(dir)) return error
  return new SluiceError('internal', `the snapshot file ${file} cannot be read: ${message.split('\n')[0]}`, {
    code: 'SNAPSHOT_UNREADABLE',
    cause: error,
    hint: DOCTOR_HINT,
  })
}
