import type { DuckDBConnection } from '@duckdb/node-api'
import type { BatchSummaries } from './batch-summaries.js'
import type { IdentifierFilters } from './identifier-filters.js'
import { type RunLocation, runFolder, syncFolder } from './layout.js'
import { type PurgedRun, RunPurgedError } from './purged-run.js'
import { readPurgedNote } from './retention.js'
import { sqlStringList } from './sql.js'
import type { LakeEntry, LakeStorage } from './storage.js'

/** What a query needs to read the lake. */
export interface LakeContext {
  storage: LakeStorage
  org: string
  connection: () => Promise<DuckDBConnection>
  /** what each batch file holds, kept across queries so a page does not read every file again */
  summaries: BatchSummaries
  /** which identifiers each batch file may hold, kept for searches */
  identifiers: IdentifierFilters
}

/** Whether the lake holds a run's rows. */
export type RunTrackingState =
  | { state: 'present'; files: number; bytes: number; lastWriteAt: string }
  /** the retention removed its files */
  | { state: 'purged'; purged: PurgedRun }
  /** no rows tracked: the run wrote none (yet), or the lake never saw it */
  | { state: 'empty' }

export async function runState(lake: LakeContext, sync: string, runId: string): Promise<RunTrackingState> {
  const run = { org: lake.org, sync, runId }
  const files = await lake.storage.list(runFolder(run))
  const batches = files.filter((file) => file.path.endsWith('.parquet'))
  if (batches.length > 0) {
    return {
      state: 'present',
      files: batches.length,
      bytes: batches.reduce((sum, file) => sum + file.size, 0),
      lastWriteAt: new Date(Math.max(...batches.map((file) => file.modifiedAt.getTime()))).toISOString(),
    }
  }
  const purged = await readPurgedNote(lake.storage, run)
  return purged ? { state: 'purged', purged } : { state: 'empty' }
}

/**
 * The `read_parquet(…)` table of a run's files, or undefined when the run has none. A purged run
 * throws RunPurgedError. The files are listed rather than globbed: a glob that matches nothing is an
 * error in DuckDB, and a listing works the same for any storage.
 */
export async function runTable(lake: LakeContext, run: RunLocation): Promise<string | undefined> {
  const batches = await runFiles(lake, run)
  if (batches === undefined) return undefined
  return parquetTable(await lake.storage.readable(batches.map((file) => file.path)))
}

/** A run's batch files sorted by path, or undefined when it has none; a purged run throws. */
export async function runFiles(lake: LakeContext, run: RunLocation): Promise<LakeEntry[] | undefined> {
  const files = await lake.storage.list(runFolder(run))
  const batches = files.filter((file) => file.path.endsWith('.parquet'))
  if (batches.length === 0) {
    const purged = await readPurgedNote(lake.storage, run)
    if (purged) throw new RunPurgedError(purged)
    return undefined
  }
  return batches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The table of every run of a sync still in the lake, or undefined when there is none. */
export async function syncTable(lake: LakeContext, sync: string): Promise<string | undefined> {
  const files = await lake.storage.list(syncFolder(lake.org, sync))
  const batches = files.filter((file) => file.path.endsWith('.parquet')).map((file) => file.path)
  if (batches.length === 0) return undefined
  return parquetTable(await lake.storage.readable(batches.sort()))
}

export function parquetTable(files: readonly string[]): string {
  return `read_parquet(${sqlStringList(files)}, union_by_name = true, filename = true, file_row_number = true)`
}

/**
 * Runs a query over a run's files. A purge can remove them between the listing and the read; the
 * read then fails, and the answer is that the run was purged.
 */
export async function withRunTable<T>(
  lake: LakeContext,
  run: RunLocation,
  query: (table: string) => Promise<T>,
  empty: () => T | Promise<T>,
): Promise<T> {
  const table = await runTable(lake, run)
  if (table === undefined) return empty()
  return purgedIfGone(lake, run, () => query(table))
}

/** Runs a read of a run's files; when it fails because a purge removed them, says the run was purged. */
export async function purgedIfGone<T>(
  lake: LakeContext,
  run: RunLocation,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read()
  } catch (error) {
    const purged = await readPurgedNote(lake.storage, run)
    if (purged) throw new RunPurgedError(purged)
    throw error
  }
}
