import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'

export interface DatabaseOptions {
  /** DuckDB's memory limit for diffs, e.g. `1GB`; beyond it DuckDB spills to `tempDirectory` */
  memoryLimit?: string
  /** where DuckDB spills; a folder in the OS temp dir by default */
  tempDirectory?: string
  threads?: number
}

/**
 * The diff engine: an in-memory DuckDB in this process. It holds no state of its own between runs (the
 * state is in files any process can read), so no process ever waits for another's database lock.
 */
export async function openDatabase(options: DatabaseOptions, temp: string): Promise<DuckDBInstance> {
  sweepSpillFolders()
  mkdirSync(temp, { recursive: true })
  const settings: Record<string, string> = {
    memory_limit: options.memoryLimit ?? '1GB',
    temp_directory: temp,
    preserve_insertion_order: 'false',
  }
  if (options.threads) settings.threads = String(options.threads)
  // Loaded on first use: the ledger (status, runs) is plain files, and loading DuckDB's native library
  // costs a command that only reads it a good part of its start-up.
  const { DuckDBInstance } = await import('@duckdb/node-api')
  return DuckDBInstance.create(':memory:', settings)
}

/** A SQL string literal (paths, kinds): single quotes doubled. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

export async function scalar<T>(connection: DuckDBConnection, sql: string): Promise<T> {
  const reader = await connection.runAndReadAll(sql)
  return reader.getRows()[0]?.[0] as T
}

const SPILL_PREFIX = 'sluice-duckdb-'

/**
 * Where one store's DuckDB spills: the option, or a folder of its own in the OS temp dir, named after
 * the process (so a sweep can tell when its owner is gone) and the store.
 */
export function spillFolder(options: DatabaseOptions = {}): string {
  return (
    options.tempDirectory ?? join(tmpdir(), `${SPILL_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`)
  )
}

/** Removes a store's spill folder when it closes; one given as an option is the caller's to keep. */
export function removeSpillFolder(options: DatabaseOptions, folder: string): void {
  if (options.tempDirectory === undefined) rmSync(folder, { recursive: true, force: true })
}

/**
 * Removes the spill folders of processes that are gone (killed before they could remove their own):
 * left alone, each holds up to the size of the model that process was diffing.
 */
export function sweepSpillFolders(now = tmpdir()): void {
  let names: string[]
  try {
    names = readdirSync(now)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(SPILL_PREFIX)) continue
    const pid = Number(name.slice(SPILL_PREFIX.length).split('-')[0])
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue
    rmSync(join(now, name), { recursive: true, force: true })
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
