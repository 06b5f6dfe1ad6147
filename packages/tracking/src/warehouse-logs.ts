import type { DuckDBValue } from '@duckdb/node-api'
import type { RunRecord } from '@sluice/core'
import { OPERATIONS, redact, type Source, type SourceCapabilities } from '@sluice/core/contract'
import { FAILED_STATUSES, where } from './queries.js'
import { type LakeContext, runTable } from './run-files.js'
import { sqlIdentifier } from './sql.js'

/**
 * Warehouse sync logs, as Hightouch writes them: each run's summary and the rows that did not make it
 * (rejected and invalid), written back into the source warehouse so they can be joined with the
 * models. Everything goes through the source's `execute`, in SQL that DuckDB and Postgres both run.
 */
export interface WarehouseLogTarget {
  execute: NonNullable<Source['execute']>
  /**
   * `duckdb` reads the lake's parquet files itself (`INSERT … SELECT … FROM read_parquet`); any other
   * warehouse gets the rows as bound parameters, a few hundred per statement.
   */
  dialect: SourceCapabilities['dialect']
}

export const DEFAULT_LOG_SCHEMA = 'sluice_logs'
/** rows per INSERT when rows are sent as parameters: 10 columns × 500 stays far below Postgres's 65,535 */
const ROWS_PER_INSERT = 500

const COUNT_COLUMNS = [
  'rows_queried',
  'invalid_null',
  'invalid_duplicate',
  'invalid_other',
  'added',
  'changed',
  'removed',
  'unchanged',
  'expired',
  'succeeded',
  'rejected',
  ...OPERATIONS.flatMap((operation) => [`succeeded_${operation}`, `rejected_${operation}`]),
]

const RUN_COLUMNS: [name: string, type: string][] = [
  ['run_id', 'TEXT NOT NULL'],
  ['sync', 'TEXT NOT NULL'],
  ['status', 'TEXT NOT NULL'],
  ['mode', 'TEXT'],
  ['dry_run', 'BOOLEAN'],
  ['started_at', 'TIMESTAMPTZ'],
  ['ended_at', 'TIMESTAMPTZ'],
  ['duration_ms', 'BIGINT'],
  ...COUNT_COLUMNS.map((name): [string, string] => [name, 'BIGINT']),
  ['error_category', 'TEXT'],
  ['error_code', 'TEXT'],
  ['error_message', 'TEXT'],
  ['logged_at', 'TIMESTAMPTZ NOT NULL'],
]

const RUN_TIMESTAMPS = new Set(
  RUN_COLUMNS.flatMap(([, type], index) => (type.startsWith('TIMESTAMPTZ') ? [index] : [])),
)

const REJECTION_COLUMNS: [name: string, type: string][] = [
  ['run_id', 'TEXT NOT NULL'],
  ['sync', 'TEXT NOT NULL'],
  ['identifier', 'TEXT'],
  ['status', 'TEXT NOT NULL'],
  ['status_message', 'TEXT'],
  ['operation', 'TEXT'],
  ['record_payload', 'TEXT'],
  ['record_hash', 'TEXT'],
  ['batch_started_at', 'TIMESTAMPTZ'],
  ['batch_ended_at', 'TIMESTAMPTZ'],
]

const REJECTION_TIMESTAMPS = new Set(
  REJECTION_COLUMNS.flatMap(([, type], index) => (type.startsWith('TIMESTAMPTZ') ? [index] : [])),
)

export interface WarehouseLogResult {
  schema: string
  /** rows written to `sync_rejections` for this run */
  rejections: number
}

/**
 * Writes one run's summary to `<schema>.sync_runs` and its rejected and invalid rows to
 * `<schema>.sync_rejections`, creating both when missing. Writing a run again replaces its rows.
 */
export async function writeWarehouseLogs(
  lake: LakeContext,
  target: WarehouseLogTarget,
  run: RunRecord,
  options: { schema?: string } = {},
): Promise<WarehouseLogResult> {
  const schemaName = options.schema ?? DEFAULT_LOG_SCHEMA
  const schema = sqlIdentifier('warehouse logs schema', schemaName)
  await target.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  await target.execute(createTable(`${schema}.sync_runs`, RUN_COLUMNS))
  await target.execute(createTable(`${schema}.sync_rejections`, REJECTION_COLUMNS))

  await target.execute(`DELETE FROM ${schema}.sync_runs WHERE run_id = $1`, [run.id])
  const summary = runRow(run)
  await target.execute(
    `INSERT INTO ${schema}.sync_runs (${RUN_COLUMNS.map(([name]) => name).join(', ')}) VALUES (${placeholders(summary, 0, RUN_TIMESTAMPS)})`,
    summary,
  )

  await target.execute(`DELETE FROM ${schema}.sync_rejections WHERE run_id = $1`, [run.id])
  const table = await runTable(lake, { org: lake.org, sync: run.sync, runId: run.id })
  const rejections =
    table === undefined
      ? 0
      : target.dialect === 'duckdb'
        ? await insertFromLake(lake, target, `${schema}.sync_rejections`, table, run)
        : await insertAsParameters(lake, target, `${schema}.sync_rejections`, table, run)
  return { schema: schemaName, rejections }
}

function createTable(name: string, columns: [string, string][]): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (${columns.map(([column, type]) => `${column} ${type}`).join(', ')})`
}

const REJECTION_SELECT = `identifier, status, status_message, operation, record_payload, record_hash,
  batch_started_at, batch_ended_at`

/** DuckDB reads the rows straight from the run's parquet files: nothing passes through JS. */
async function insertFromLake(
  lake: LakeContext,
  target: WarehouseLogTarget,
  into: string,
  table: string,
  run: RunRecord,
): Promise<number> {
  const filter = where({ status: FAILED_STATUSES })
  await target.execute(
    `INSERT INTO ${into} (${REJECTION_COLUMNS.map(([name]) => name).join(', ')})
     SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), ${REJECTION_SELECT} FROM ${table} ${filter.sql}`,
    [run.id, run.sync],
  )
  // `execute` returns nothing, so the lake counts what it handed over.
  const connection = await lake.connection()
  const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${table} ${filter.sql}`, filter.params)
  return Number(counted.getRows()[0]![0])
}

/** Other warehouses: the lake streams the rows and they are inserted a few hundred at a time. */
async function insertAsParameters(
  lake: LakeContext,
  target: WarehouseLogTarget,
  into: string,
  table: string,
  run: RunRecord,
): Promise<number> {
  const filter = where({ status: FAILED_STATUSES })
  const connection = await lake.connection()
  const result = await connection.stream(
    `SELECT identifier, status, status_message, operation, record_payload, record_hash,
       strftime(batch_started_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS batch_started_at,
       strftime(batch_ended_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS batch_ended_at
     FROM ${table} ${filter.sql}`,
    filter.params,
  )
  const columns = REJECTION_COLUMNS.map(([name]) => name).join(', ')
  let pending: unknown[][] = []
  let written = 0
  const flush = async () => {
    if (pending.length === 0) return
    const values = pending
      .map((row, index) => `(${placeholders(row, index * row.length, REJECTION_TIMESTAMPS)})`)
      .join(', ')
    await target.execute(`INSERT INTO ${into} (${columns}) VALUES ${values}`, pending.flat())
    written += pending.length
    pending = []
  }
  for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    for (const row of chunk.getRows() as DuckDBValue[][]) {
      pending.push([run.id, run.sync, ...row])
      if (pending.length >= ROWS_PER_INSERT) await flush()
    }
  }
  await flush()
  return written
}

function placeholders(row: readonly unknown[], offset: number, timestamps?: ReadonlySet<number>): string {
  return row
    .map((_, index) =>
      timestamps?.has(index) ? `CAST($${offset + index + 1} AS TIMESTAMPTZ)` : `$${offset + index + 1}`,
    )
    .join(', ')
}

function runRow(run: RunRecord): unknown[] {
  const c = run.counts
  const total = (per: Partial<Record<string, number>>) =>
    Object.values(per).reduce<number>((a, b) => a + (b ?? 0), 0)
  const counts: Record<string, number> = {
    rows_queried: c.queried,
    invalid_null: c.invalid.null,
    invalid_duplicate: c.invalid.duplicate,
    invalid_other: c.invalid.other,
    added: c.added,
    changed: c.changed,
    removed: c.removed,
    unchanged: c.unchanged,
    expired: c.expired,
    succeeded: total(c.succeeded),
    rejected: total(c.rejected),
  }
  for (const operation of OPERATIONS) {
    counts[`succeeded_${operation}`] = c.succeeded[operation] ?? 0
    counts[`rejected_${operation}`] = c.rejected[operation] ?? 0
  }
  return [
    run.id,
    run.sync,
    run.status,
    run.mode,
    run.dryRun ?? false,
    run.startedAt,
    run.endedAt ?? null,
    run.durationMs ?? null,
    ...COUNT_COLUMNS.map((name) => counts[name] ?? 0),
    run.error?.category ?? null,
    run.error?.code ?? null,
    run.error ? redact(run.error.message) : null,
    new Date().toISOString(),
  ]
}
