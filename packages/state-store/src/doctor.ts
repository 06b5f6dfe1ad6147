import { mkdir, readdir, readFile, rename } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import type { DuckDBInstance } from '@duckdb/node-api'
import { literal } from './database.js'
import { isMissing } from './files.js'
import type { Layout } from './layout.js'
import { listSnapshot } from './snapshot-files.js'

/** What kind of state file is damaged, which decides what quarantining it costs. */
export type DamagedKind = 'ledger' | 'snapshot-base' | 'snapshot-delta' | 'cursor'

/** One state file that cannot be read. */
export interface DamagedFile {
  sync: string
  kind: DamagedKind
  /** absolute path */
  path: string
  /** why it cannot be read */
  problem: string
  /** what quarantining it does to the next run */
  consequence: string
}

/** What `repair` moved, and where. */
export interface Quarantined extends DamagedFile {
  movedTo: string
}

const CONSEQUENCES: Record<DamagedKind, string> = {
  ledger: "that run's record leaves the history; no row is sent again or skipped because of it",
  'snapshot-delta':
    'the rows this commit recorded are no longer known as synced: the next run sends them again (and deletes again the rows it recorded as deleted)',
  'snapshot-base':
    "the sync's compacted snapshot is gone: the next run sends every row not committed since as added, and rows that left the model before are not deleted",
  cursor: 'cursor mode reads the whole model once; the diff still sends only what changed',
}

/** The columns each snapshot file must have (ADR 0002). */
const BASE_COLUMNS = ['identifier', 'hash', 'rejected_hash', 'rejected_at']
const DELTA_COLUMNS = ['seq', 'op', 'identifier', 'hash', 'at_ms']

/**
 * Reads every state file of every sync (ledger files, snapshot files, the cursor) the way runs and
 * commands read them, and lists those that cannot be read.
 */
export async function examineState(
  layout: Layout,
  instance: () => Promise<DuckDBInstance>,
): Promise<DamagedFile[]> {
  const damaged: DamagedFile[] = []
  const found = (sync: string, kind: DamagedKind, path: string, problem: string) =>
    damaged.push({ sync, kind, path, problem, consequence: CONSEQUENCES[kind] })
  for (const sync of await folders(layout.syncsDir())) {
    const runs = join(layout.syncsDir(), sync, 'runs')
    for (const name of (await files(runs)).filter((n) => n.endsWith('.json'))) {
      const problem = ledgerProblem(await readFile(join(runs, name), 'utf8'), sync)
      if (problem) found(sync, 'ledger', join(runs, name), problem)
    }
    const cursor = join(layout.syncsDir(), sync, 'cursor.json')
    const cursorText = await readFile(cursor, 'utf8').catch((error: unknown) => {
      if (isMissing(error)) return undefined
      throw error
    })
    if (cursorText !== undefined) {
      const problem = cursorProblem(cursorText)
      if (problem) found(sync, 'cursor', cursor, problem)
    }
    const snapshot = await listSnapshot(join(layout.syncsDir(), sync, 'snapshot'))
    const checks = [
      ...(snapshot.base
        ? [{ path: snapshot.base, kind: 'snapshot-base' as const, columns: BASE_COLUMNS }]
        : []),
      ...snapshot.deltas.map((path) => ({ path, kind: 'snapshot-delta' as const, columns: DELTA_COLUMNS })),
    ]
    if (checks.length === 0) continue
    const connection = await (await instance()).connect()
    try {
      for (const check of checks) {
        const problem = await parquetProblem(connection, check.path, check.columns)
        if (problem) found(sync, check.kind, check.path, problem)
      }
    } finally {
      connection.closeSync()
    }
  }
  return damaged
}

/**
 * Moves damaged files into `<state>/quarantine/<stamp>/`, keeping their path under the state folder,
 * so nothing is deleted and a person can look at them later. The caller holds each sync's lock.
 */
export async function quarantineFiles(
  layout: Layout,
  damaged: readonly DamagedFile[],
  now = new Date(),
): Promise<Quarantined[]> {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const folder = join(layout.root, 'quarantine', stamp)
  const moved: Quarantined[] = []
  for (const file of damaged) {
    const target = join(folder, relative(layout.root, file.path))
    await mkdir(join(target, '..'), { recursive: true })
    await rename(file.path, target)
    moved.push({ ...file, movedTo: target })
  }
  return moved
}

function ledgerProblem(text: string, sync: string): string | undefined {
  let run: unknown
  try {
    run = JSON.parse(text)
  } catch (error) {
    return `not JSON (${(error as Error).message})`
  }
  if (run === null || typeof run !== 'object' || Array.isArray(run)) return 'not a run record (a JSON object)'
  const record = run as Record<string, unknown>
  for (const key of ['id', 'sync', 'status', 'startedAt']) {
    if (typeof record[key] !== 'string') return `not a run record: "${key}" is missing`
  }
  if (record.sync !== sync) return `a run of sync "${String(record.sync)}", in the folder of "${sync}"`
  if (typeof record.counts !== 'object' || record.counts === null)
    return 'not a run record: "counts" is missing'
  return undefined
}

function cursorProblem(text: string): string | undefined {
  try {
    const stored = JSON.parse(text) as { json?: unknown }
    if (typeof stored?.json !== 'string') return 'not a cursor record: "json" is missing'
    JSON.parse(stored.json)
    return undefined
  } catch (error) {
    return `not JSON (${(error as Error).message})`
  }
}

/** Reads every column of every row group, so a damaged page is found as well as a damaged footer. */
async function parquetProblem(
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
  path: string,
  columns: readonly string[],
): Promise<string | undefined> {
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(path)})`)
    const names = new Set(described.getRows().map((row) => String(row[0])))
    const missing = columns.filter((c) => !names.has(c))
    if (missing.length > 0) return `not a snapshot file of this kind: no column ${missing.join(', ')}`
    // Parquet pages carry no checksum DuckDB verifies: damage inside a page can read back as other
    // values. Every value is checked against what Sluice writes.
    const reader = await connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE ${invalidRow(path, columns)})::BIGINT FROM read_parquet(${literal(path)})`,
    )
    const bad = Number(reader.getRows()[0]?.[0] ?? 0)
    return bad > 0 ? `${bad} row${bad === 1 ? '' : 's'} hold values Sluice never writes there` : undefined
  } catch (error) {
    return String((error as Error).message)
      .split('\n')[0]
      ?.replace(path, basename(path))
  }
}

const MD5 = `'^[0-9a-f]{32}$'`

/** A SQL condition true for a row Sluice cannot have written to this snapshot file. */
function invalidRow(path: string, columns: readonly string[]): string {
  const hash = (c: string) => `(${c} IS NOT NULL AND NOT regexp_matches(${c}, ${MD5}))`
  if (columns === DELTA_COLUMNS) {
    const seq = Number(/\.(\d+)\.parquet$/.exec(path)?.[1] ?? -1)
    return `seq IS DISTINCT FROM ${seq} OR op IS NULL OR op NOT IN ('put', 'remove', 'reject') OR identifier IS NULL
      OR ${hash('hash')} OR (op = 'put' AND hash IS NULL) OR (op = 'reject' AND at_ms IS NULL)`
  }
  return `identifier IS NULL OR ${hash('hash')} OR ${hash('rejected_hash')} OR (hash IS NULL AND rejected_hash IS NULL)
    OR ((rejected_hash IS NULL) <> (rejected_at IS NULL))`
}

async function folders(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)
  } catch (error) {
    if (isMissing(error)) return []
    throw error
  }
}

async function files(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort()
  } catch (error) {
    if (isMissing(error)) return []
    throw error
  }
}
