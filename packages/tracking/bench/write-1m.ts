/**
 * How much tracking adds to a 1M-row run: `pnpm --filter @sluice/tracking measure:write [rows]`.
 *
 * The run without tracking is the least any 1M-row run does: stream the model out of DuckDB through
 * the DuckDB source, build each record's JSON payload and md5 hash, in batches of 5,000. No diff, no
 * state store and no destination, so the real run is slower and the share tracking adds is smaller
 * than the one printed here. The run with tracking does the same and writes every batch to the lake,
 * awaiting each write as the engine does before it commits a batch.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Row, TrackedRecord } from '@sluice/core'
import { connectDuckDB } from '@sluice/source-duckdb'
import { createTrackingLake, type TrackingLake } from '../src/index.js'

const ROWS = Number(process.argv[2] ?? 1_000_000)
const BATCH = 5_000

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tracking-bench-'))
  const source = connectDuckDB({ path: ':memory:' })
  const model = `SELECT i AS id, 'user' || i || '@example.com' AS email, 'Ada' AS first_name,
      'Lovelace' AS last_name, ['free', 'pro', 'team'][1 + i % 3] AS plan, (i % 1000) * 1.5 AS ltv,
      TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS updated_at
    FROM range(${ROWS}) t(i)`
  try {
    // warm DuckDB and the JIT once
    await run(source, model, undefined)
    const lakes: TrackingLake[] = []
    const results: { without: number; with: number; writeMs: number; blockedMs: number }[] = []
    for (let repetition = 0; repetition < 3; repetition++) {
      const without = await run(source, model, undefined)
      const lake = createTrackingLake({ path: join(dir, `lake-${repetition}`), org: 'bench' })
      lakes.push(lake)
      const tracked = await run(source, model, lake)
      results.push({
        without: without.ms,
        with: tracked.ms,
        writeMs: tracked.writeMs,
        blockedMs: tracked.blockedMs,
      })
      console.log(
        `run ${repetition + 1}: without tracking ${fmt(without.ms)}, with ${fmt(tracked.ms)} ` +
          `(write() ${fmt(tracked.writeMs)}, of which JS ${fmt(tracked.blockedMs)})`,
      )
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    const without = median(results.map((r) => r.without))
    const withTracking = median(results.map((r) => r.with))
    const writeMs = median(results.map((r) => r.writeMs))
    const counted = await lakes[0]!.counts({ sync: 'bench-sync', runId: 'run-1' })
    console.log(
      `\n${ROWS.toLocaleString('en')} rows in batches of ${BATCH.toLocaleString('en')} (median of 3): ` +
        `tracking adds ${fmt(withTracking - without)} to ${fmt(without)} = ` +
        `${(((withTracking - without) / without) * 100).toFixed(1)}% (target < 25%); ` +
        `write() alone ${fmt(writeMs)} = ${Math.round(ROWS / (writeMs / 1000)).toLocaleString('en')} rows/s; ` +
        `lake holds ${counted.total.toLocaleString('en')} rows in ${counted.batches} files`,
    )
    for (const lake of lakes) await lake.close()
  } finally {
    await source.close?.()
    await rm(dir, { recursive: true, force: true })
  }
}

async function run(source: ReturnType<typeof connectDuckDB>, model: string, lake: TrackingLake | undefined) {
  const started = performance.now()
  let writeMs = 0
  let blockedMs = 0
  let batchNumber = 0
  let sink = 0
  for await (const chunk of source.query(model, { chunkSize: BATCH })) {
    const batchStarted = new Date()
    const records = chunk.map(toRecord)
    sink += records.length
    if (!lake) continue
    const writeStarted = performance.now()
    const loop = performance.eventLoopUtilization()
    await lake.write({
      org: 'bench',
      sync: 'bench-sync',
      runId: 'run-1',
      batchType: 'upsert',
      batchNumber: batchNumber++,
      startedAt: batchStarted,
      endedAt: new Date(),
      records,
    })
    const busy = performance.eventLoopUtilization(loop)
    blockedMs += busy.active
    writeMs += performance.now() - writeStarted
  }
  if (sink !== ROWS) throw new Error(`read ${sink} rows, expected ${ROWS}`)
  return { ms: performance.now() - started, writeMs, blockedMs }
}

function toRecord(row: Row, index: number): TrackedRecord {
  const payload = JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))
  const rejected = index % 100 === 0
  return {
    identifier: String(row.email),
    payload,
    operation: 'upsert',
    status: rejected ? 'rejected' : 'succeeded',
    message: rejected ? 'Email address is not deliverable' : null,
    hash: createHash('md5').update(payload).digest('hex'),
  }
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
