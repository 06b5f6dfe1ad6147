import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { emptyCounts, type RunRecord } from '@sluice/core'
import { connectDuckDB } from '@sluice/source-duckdb'
import { afterEach, describe, expect, it } from 'vitest'
import type { WarehouseLogTarget } from '../src/index.js'
import { batch, invalidRecord, rejectedRecord, succeededRecord, tempDir, tempLake } from './fixtures.js'
import { postgresTarget, psql } from './psql-target.js'

const sync = 'users-to-braze'
const tricky = 'Zoë said "no",\nthen O\'Brien 🚀'

type Row = Record<string, unknown>
interface Warehouse {
  target: WarehouseLogTarget
  /** the log schema this test writes to */
  schema: string
  /** rows as plain values: numbers as numbers, whatever the warehouse's integer type */
  rows(sql: string): Promise<Row[]>
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A real DuckDB warehouse file, opened through the DuckDB source connector. */
async function duckdbWarehouse(dialect: 'duckdb' | 'postgres'): Promise<Warehouse> {
  const path = join(await tempDir(), 'warehouse.duckdb')
  ;(await DuckDBInstance.create(path)).closeSync() // the source opens existing warehouses only
  const source = connectDuckDB({ path })
  cleanups.push(async () => source.close?.())
  return {
    target: { execute: source.execute!, dialect },
    schema: 'sluice_logs',
    async rows(sql) {
      const connection = await source.connection()
      const rows = await (await connection.runAndReadAll(sql)).getRowObjectsJS()
      return rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      )
    },
  }
}

/** The PostgreSQL server, in a schema of its own that is dropped afterwards. */
async function postgresWarehouse(): Promise<Warehouse> {
  const schema = `sluice_logs_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  cleanups.push(async () => void (await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))
  return {
    target: postgresTarget(),
    schema,
    rows: (sql) => psql(`SELECT row_to_json(t) FROM (${sql}) t`),
  }
}

const WAREHOUSES = {
  'DuckDB, reading the lake’s files': () => duckdbWarehouse('duckdb'),
  'DuckDB, rows as parameters': () => duckdbWarehouse('postgres'),
  PostgreSQL: () => postgresWarehouse(),
}

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    sync,
    status: 'partially_succeeded',
    mode: 'incremental',
    startedAt: '2026-11-28T10:00:00.000Z',
    endedAt: '2026-11-28T10:05:00.000Z',
    durationMs: 300_000,
    counts: {
      ...emptyCounts(),
      queried: 10,
      invalid: { null: 1, duplicate: 1, other: 0 },
      added: 6,
      changed: 2,
      succeeded: { upsert: 5, delete: 1 },
      rejected: { upsert: 2 },
    },
    ...overrides,
  }
}

async function lakeWithFailures(warehouse: Warehouse) {
  const lake = await tempLake({
    warehouseLogs: {
      schema: warehouse.schema,
      target: (name) => (name === sync ? warehouse.target : undefined),
    },
  })
  await lake.write(
    batch(
      'run-1',
      1,
      [succeededRecord('a'), rejectedRecord('b', `refused: ${tricky}`), succeededRecord('c')],
      {
        startedAt: new Date('2026-11-28T10:01:00.000Z'),
        endedAt: new Date('2026-11-28T10:01:02.500Z'),
      },
    ),
  )
  await lake.write(batch('run-1', 2, [rejectedRecord('d', 'quota')]))
  await lake.write(
    batch(
      'run-1',
      1,
      [invalidRecord(null, 'NULL', 'identifier is NULL'), invalidRecord('a', 'DUPLICATE', 'appears twice')],
      { batchType: 'invalid' },
    ),
  )
  return lake
}

const epoch = (column: string) => `CAST(EXTRACT(EPOCH FROM ${column}) AS DOUBLE PRECISION) AS ${column}`

describe.each(Object.entries(WAREHOUSES))('warehouse sync logs: %s', (_name, open) => {
  it('writes the run summary and its rejected and invalid rows, creating the tables', async () => {
    const warehouse = await open()
    const lake = await lakeWithFailures(warehouse)
    await lake.runFinished(run())

    const [summary] = await warehouse.rows(
      `SELECT run_id, sync, status, mode, dry_run, ${epoch('started_at')}, ${epoch('ended_at')}, duration_ms,
         rows_queried, invalid_null, invalid_duplicate, invalid_other, added, changed, removed, unchanged, expired,
         succeeded, rejected, succeeded_upsert, rejected_upsert, succeeded_delete, rejected_delete, succeeded_clear,
         error_category, error_code, error_message, ${epoch('logged_at')}
       FROM ${warehouse.schema}.sync_runs`,
    )
    expect(summary).toEqual({
      run_id: 'run-1',
      sync,
      status: 'partially_succeeded',
      mode: 'incremental',
      dry_run: false,
      started_at: Date.parse('2026-11-28T10:00:00.000Z') / 1000,
      ended_at: Date.parse('2026-11-28T10:05:00.000Z') / 1000,
      duration_ms: 300_000,
      rows_queried: 10,
      invalid_null: 1,
      invalid_duplicate: 1,
      invalid_other: 0,
      added: 6,
      changed: 2,
      removed: 0,
      unchanged: 0,
      expired: 0,
      succeeded: 6,
      rejected: 2,
      succeeded_upsert: 5,
      rejected_upsert: 2,
      succeeded_delete: 1,
      rejected_delete: 0,
      succeeded_clear: 0,
      error_category: null,
      error_code: null,
      error_message: null,
      logged_at: expect.any(Number),
    })
    expect(Math.abs((summary!.logged_at as number) * 1000 - Date.now())).toBeLessThan(60_000)

    const rejections = await warehouse.rows(
      `SELECT run_id, sync, identifier, status, status_message, operation, record_payload, record_hash,
         ${epoch('batch_started_at')}, ${epoch('batch_ended_at')}
       FROM ${warehouse.schema}.sync_rejections ORDER BY status, identifier`,
    )
    expect(rejections.map((row) => [row.identifier, row.status, row.status_message])).toEqual([
      ['a', 'DUPLICATE', 'appears twice'],
      [null, 'NULL', 'identifier is NULL'],
      ['b', 'rejected', `refused: ${tricky}`],
      ['d', 'rejected', 'quota'],
    ])
    expect(rejections[2]).toEqual({
      run_id: 'run-1',
      sync,
      identifier: 'b',
      status: 'rejected',
      status_message: `refused: ${tricky}`,
      operation: 'upsert',
      record_payload: '{"email":"b"}',
      record_hash: 'h-b',
      batch_started_at: Date.parse('2026-11-28T10:01:00.000Z') / 1000,
      batch_ended_at: Date.parse('2026-11-28T10:01:02.500Z') / 1000,
    })
  })

  it('replaces a run’s rows when it is written again, and keeps other runs', async () => {
    const warehouse = await open()
    const lake = await lakeWithFailures(warehouse)
    await lake.write(batch('run-2', 1, [rejectedRecord('z', 'quota')]))
    await lake.runFinished(run())
    await lake.runFinished(run({ status: 'failed' }))
    await lake.writeWarehouseLogs(run({ id: 'run-2', status: 'succeeded' }), warehouse.target, {
      schema: warehouse.schema,
    })
    expect(
      await warehouse.rows(`SELECT run_id, status FROM ${warehouse.schema}.sync_runs ORDER BY run_id`),
    ).toEqual([
      { run_id: 'run-1', status: 'failed' },
      { run_id: 'run-2', status: 'succeeded' },
    ])
    expect(
      await warehouse.rows(
        `SELECT run_id, count(*) AS n FROM ${warehouse.schema}.sync_rejections GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { run_id: 'run-1', n: 4 },
      { run_id: 'run-2', n: 1 },
    ])
  })

  it('moves thousands of failed rows', async () => {
    const warehouse = await open()
    const lake = await tempLake()
    for (let n = 0; n < 3; n++) {
      await lake.write(
        batch(
          'big',
          n,
          Array.from({ length: 700 }, (_, i) => rejectedRecord(`r${n}-${i}`, `reason ${i % 7}`)),
        ),
      )
    }
    const result = await lake.writeWarehouseLogs(run({ id: 'big' }), warehouse.target, {
      schema: warehouse.schema,
    })
    expect(result).toEqual({ schema: warehouse.schema, rejections: 2100 })
    expect(
      await warehouse.rows(
        `SELECT count(*) AS n, count(DISTINCT identifier) AS ids, count(DISTINCT status_message) AS reasons
         FROM ${warehouse.schema}.sync_rejections`,
      ),
    ).toEqual([{ n: 2100, ids: 2100, reasons: 7 }])
  })

  it('writes the run-level error, redacted', async () => {
    const warehouse = await open()
    const lake = await tempLake()
    await lake.writeWarehouseLogs(
      run({
        status: 'failed',
        error: { category: 'auth', code: 'UNAUTHORIZED', message: 'Braze said 401 for api_key=abcd1234efgh' },
      }),
      warehouse.target,
      { schema: warehouse.schema },
    )
    expect(
      await warehouse.rows(
        `SELECT error_category, error_code, error_message FROM ${warehouse.schema}.sync_runs`,
      ),
    ).toEqual([
      { error_category: 'auth', error_code: 'UNAUTHORIZED', error_message: 'Braze said 401 for api_key=***' },
    ])
    expect(await warehouse.rows(`SELECT count(*) AS n FROM ${warehouse.schema}.sync_rejections`)).toEqual([
      { n: 0 },
    ])
  })
})

describe('warehouse sync logs', () => {
  it('uses the sluice_logs schema unless told otherwise', async () => {
    const warehouse = await duckdbWarehouse('duckdb')
    const lake = await tempLake({ warehouseLogs: { target: () => warehouse.target } })
    await lake.runFinished(run())
    expect(await warehouse.rows('SELECT run_id FROM sluice_logs.sync_runs')).toEqual([{ run_id: 'run-1' }])
  })

  it('refuses a schema name that is not a plain SQL name', async () => {
    const warehouse = await duckdbWarehouse('duckdb')
    const lake = await tempLake()
    await expect(lake.writeWarehouseLogs(run(), warehouse.target, { schema: 'logs; DROP' })).rejects.toThrow(
      /warehouse logs schema "logs; DROP" is not a plain SQL name/,
    )
  })

  it('skips syncs without a target, and a failing warehouse does not stop the purge', async () => {
    const failing: WarehouseLogTarget = {
      dialect: 'duckdb',
      execute: async () => {
        throw new Error('warehouse is down')
      },
    }
    const lake = await tempLake({
      warehouseLogs: { target: (name) => (name === 'logged' ? failing : undefined) },
    })
    await lake.runFinished(run({ sync: 'not-logged' }))

    await lake.write(batch('older', 1, [succeededRecord('a')], { sync: 'logged' }))
    const longAgo = new Date(Date.now() - 40 * 86_400_000)
    const file = join(lake.path, 'sync_tracking_datasets', 'acme', 'logged', 'older', 'upsert.1.parquet')
    await utimes(file, longAgo, longAgo)
    await expect(lake.runFinished(run({ id: 'now', sync: 'logged' }))).rejects.toThrow('warehouse is down')
    expect(await lake.runState({ sync: 'logged', runId: 'older' })).toMatchObject({ state: 'purged' })
  })
})
