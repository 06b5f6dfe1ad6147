/**
 * The diff in the warehouse, measured: a Postgres model of N rows (default 1,000,000; `--rows=N`) with
 * state in the same database, a rerun after 1% of the rows changed. It reports the rerun's time split
 * into staging (one INSERT … SELECT in Postgres) and the diff, and the rows that travelled from the
 * warehouse to the engine — then the same rerun with the engine reading and staging every row, for
 * comparison. Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 *
 *   pnpm --filter @sluice/bench bench:postgres -- --rows=1000000
 */
import { type ModelConfig, type RunSyncOptions, runSync, type Source, type SyncConfig } from '@sluice/core'
import postgresSource, { connectPostgres } from '@sluice/source-postgres'
import { createPostgresStateStore } from '@sluice/state-store'
import pg from 'pg'
import { createNullDestination } from './workloads/null-destination.js'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const rows = Number(/--rows=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 1_000_000)
const suffix = `${process.pid}_${Date.now().toString(36)}`
const modelSchema = `bench_model_${suffix}`
const stateSchema = `bench_state_${suffix}`

const admin = new pg.Client({ connectionString: url })
await admin.connect()
const source = connectPostgres({ url })
const state = createPostgresStateStore({ url, schema: stateSchema })
const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(2))

/** Counts the rows a source hands to the engine; an opaque one will not say which database it reads. */
function counting(opaque: boolean): Source & { rows: number } {
  const counted = {
    rows: 0,
    check: source.check.bind(source),
    describe: source.describe.bind(source),
    async *query(sql: string, options?: Parameters<Source['query']>[1]) {
      if (opaque && sql.includes('pg_control_system')) throw new Error('opaque')
      for await (const chunk of source.query(sql, options)) {
        counted.rows += chunk.length
        yield chunk
      }
    },
  }
  return counted
}

const sync: SyncConfig = {
  model: 'users',
  destination: 'null',
  object: 'records',
  behaviour: 'mirror',
  deleteBehaviour: 'delete',
  identifier: { column: 'id', field: 'id' },
  mappings: [
    { from: 'email', to: 'email' },
    { from: 'first_name', to: 'first_name' },
    { from: 'plan', to: 'plan' },
    { from: 'score', to: 'score' },
    { from: 'updated_at', to: 'updated_at' },
  ],
} as SyncConfig
const model = { source: 'warehouse', table: `${modelSchema}.users` } as ModelConfig

async function timedRun(name: string, from: Source, mode: RunSyncOptions['mode']) {
  const destination = createNullDestination()
  const phases: Record<string, number> = {}
  let current: { phase: string; at: number } | undefined
  const started = performance.now()
  const { run } = await runSync({
    syncName: name,
    sync,
    model,
    source: from,
    sourceCapabilities: postgresSource.capabilities,
    destination,
    destinationCapabilities: { behaviours: ['mirror'], batchSize: 1000, concurrency: 4 },
    state,
    ...(mode ? { mode } : {}),
    onProgress: (p) => {
      if (current?.phase === p.phase) return
      const now = performance.now()
      if (current) phases[current.phase] = (phases[current.phase] ?? 0) + (now - current.at) / 1000
      current = { phase: p.phase, at: now }
    },
  })
  if (current) phases[current.phase] = (phases[current.phase] ?? 0) + (performance.now() - current.at) / 1000
  if (run.status !== 'succeeded') throw new Error(`${name}: ${run.status} ${run.error?.message ?? ''}`)
  return { seconds: seconds(started), phases, counts: run.counts, sent: destination.stats.records }
}

try {
  let at = performance.now()
  await admin.query(`CREATE SCHEMA "${modelSchema}"`)
  await admin.query(`CREATE TABLE "${modelSchema}".users AS
    SELECT g::bigint AS id, 'user' || g || '@example.com' AS email, 'Name' || (g % 1000) AS first_name,
           (ARRAY['free', 'pro', 'team'])[1 + g % 3] AS plan, (g % 100)::int AS score,
           TIMESTAMPTZ '2026-01-01' + g * INTERVAL '1 second' AS updated_at
    FROM generate_series(1, ${rows}) g`)
  await admin.query(`ANALYZE "${modelSchema}".users`)
  const generate = seconds(at)

  // The baseline snapshot, for both syncs: reset CDC records the current rows and sends nothing.
  const baseline = await timedRun('in_warehouse', counting(false), 'reset_cdc')
  await timedRun('via_engine', counting(true), 'reset_cdc')

  at = performance.now()
  await admin.query(`UPDATE "${modelSchema}".users SET score = score + 1000 WHERE id % 100 = 7`)
  const change = seconds(at)

  const inWarehouseSource = counting(false)
  const inWarehouse = await timedRun('in_warehouse', inWarehouseSource, 'incremental')
  const viaEngineSource = counting(true)
  const viaEngine = await timedRun('via_engine', viaEngineSource, 'incremental')

  const changed = inWarehouse.counts.changed + inWarehouse.counts.added + inWarehouse.counts.removed
  const result = {
    rows,
    changedRows: changed,
    generateSeconds: generate,
    updateSeconds: change,
    baselineResetCdcSeconds: baseline.seconds,
    inWarehouse: {
      rerunSeconds: inWarehouse.seconds,
      stageSeconds: Number((inWarehouse.phases.querying ?? 0).toFixed(2)),
      diffSeconds: Number((inWarehouse.phases.preparing ?? 0).toFixed(2)),
      sendSeconds: Number((inWarehouse.phases.in_progress ?? 0).toFixed(2)),
      rowsFromSourceToEngine: inWarehouseSource.rows,
      changedRowsToEngine: changed,
      sent: inWarehouse.sent,
    },
    viaEngine: {
      rerunSeconds: viaEngine.seconds,
      stageSeconds: Number((viaEngine.phases.querying ?? 0).toFixed(2)),
      diffSeconds: Number((viaEngine.phases.preparing ?? 0).toFixed(2)),
      sendSeconds: Number((viaEngine.phases.in_progress ?? 0).toFixed(2)),
      rowsFromSourceToEngine: viaEngineSource.rows,
      sent: viaEngine.sent,
    },
  }
  console.log(JSON.stringify(result, null, 2))
} finally {
  await state.close()
  await source.close?.()
  await admin.query(`DROP SCHEMA IF EXISTS "${modelSchema}" CASCADE`)
  await admin.query(`DROP SCHEMA IF EXISTS "${stateSchema}" CASCADE`)
  await admin.end()
}
