import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { secondsSince } from '../harness/stats.js'
import { stagingSelect } from './bare-scan.js'
import { SYNC_NAME } from './diff-run.js'

/**
 * The diff figure's baseline: DuckDB alone comparing two tables of (identifier, hash) — the staged
 * rows' and the snapshot's — for the same rows the state store's diff compared. Preparing the tables
 * is not timed; the join that finds the added, changed and removed rows is.
 */

export interface AntiJoinPrepareInput {
  /** the model, already changed by 1% */
  modelDb: string
  /** the diff figure's state store, holding the snapshot the state store's diff compared against */
  stateDir: string
  /** a new DuckDB file for the two tables */
  baselineDb: string
}

export interface AntiJoinInput {
  baselineDb: string
  /** where DuckDB spills beyond its memory limit */
  tempDirectory: string
}

export interface AntiJoinOutput {
  seconds: number
  added: number
  changed: number
  removed: number
}

/**
 * The state store's DuckDB runs with these settings (`packages/state-store/src/database.ts`), so the
 * baseline gets the same memory and the ratio is about the work, not the settings.
 */
const STATE_STORE_SETTINGS = { memory_limit: '1GB', preserve_insertion_order: 'false' }

/**
 * `snapshot`: the identifiers and hashes of the state store's snapshot file, as it holds them;
 * `staged`: each row of the model with the md5 of the payload a sync stages for it.
 */
export async function antiJoinPrepare(
  input: AntiJoinPrepareInput,
): Promise<{ snapshot: number; staged: number }> {
  const snapshotDir = path.join(input.stateDir, 'syncs', SYNC_NAME, 'snapshot')
  const files = (await readdir(snapshotDir)).filter((f) => f.endsWith('.parquet'))
  if (files.length !== 1 || !files[0]!.startsWith('base.')) {
    throw new Error(`expected the snapshot as one base file in ${snapshotDir}, found ${files.join(', ')}`)
  }
  const instance = await DuckDBInstance.create(input.baselineDb)
  const connection = await instance.connect()
  try {
    await connection.run(`ATTACH '${input.modelDb}' AS model (READ_ONLY)`)
    await connection.run(`CREATE TABLE snapshot AS
      SELECT identifier, hash FROM read_parquet('${path.join(snapshotDir, files[0]!)}')`)
    // The model's rows as the diff stages them: the state store's own SQL, run on the model.
    const select = await stagingSelect(input.modelDb)
    const own = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]?.[0])
    await connection.run('USE model')
    await connection.run(`CREATE TABLE "${own}".main.staged AS
      SELECT identifier, md5(payload) AS hash FROM (${select})`)
    await connection.run(`USE "${own}"`)
    const count = async (table: string) =>
      Number((await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${table}`)).getRows()[0]?.[0])
    return { snapshot: await count('snapshot'), staged: await count('staged') }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** The timed part: one FULL OUTER JOIN on the identifier keeping the rows whose hash differs. */
export async function antiJoinRun(input: AntiJoinInput): Promise<AntiJoinOutput> {
  const instance = await DuckDBInstance.create(input.baselineDb, {
    ...STATE_STORE_SETTINGS,
    access_mode: 'READ_ONLY',
    temp_directory: input.tempDirectory,
  })
  const connection = await instance.connect()
  try {
    const started = performance.now()
    await connection.run(`CREATE TEMP TABLE changes AS
      SELECT CASE WHEN s.identifier IS NULL THEN 'added'
                  WHEN m.identifier IS NULL THEN 'removed'
                  ELSE 'changed' END AS kind,
             coalesce(m.identifier, s.identifier) AS identifier, m.hash
      FROM staged m FULL OUTER JOIN snapshot s ON m.identifier = s.identifier
      WHERE m.hash IS DISTINCT FROM s.hash`)
    const reader = await connection.runAndReadAll('SELECT kind, count(*)::BIGINT FROM changes GROUP BY kind')
    const seconds = secondsSince(started)
    const counts = new Map(reader.getRows().map(([kind, n]) => [String(kind), Number(n)]))
    return {
      seconds,
      added: counts.get('added') ?? 0,
      changed: counts.get('changed') ?? 0,
      removed: counts.get('removed') ?? 0,
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
