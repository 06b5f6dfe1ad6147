import { mkdirSync } from 'node:fs'
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
export async function openDatabase(options: DatabaseOptions = {}): Promise<DuckDBInstance> {
  const temp = options.tempDirectory ?? join(tmpdir(), `sluice-duckdb-${process.pid}`)
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
