/**
 * How much tracking adds to a 1M-row run: `pnpm --filter @sluice/tracking measure:write [rows]`.
 *
 * The run without tracking is the least any 1M-row run does: stream the model out of DuckDB through
 * the DuckDB source, build each record's JSON payload and md5 hash, in batches of 5,000. No diff, no
 * state store and no destination, so a real run is slower and the share tracking adds is smaller than
 * the one printed here. The run with tracking does the same and writes every batch to the lake,
 * awaiting each write as the engine does before it commits a batch. Wall time and CPU time (all
 * threads, DuckDB's included) are both printed: on a shared machine the CPU time is the steadier one.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { TrackedRecord } from '@sluice/core'
import type { Row } from '@sluice/core/contract'
import { connectDuckDB } from '@sluice/source-duckdb'
import { createTrackingLake, type TrackingLake } from '../src/index.js'

const ROWS = Number(process.argv[2] ?? 1_000_000)
const BATCH = 5_000
const REPETITIONS = 3

interface Timing {
  ms: number
  cpuMs: number
  writeMs: number
  busyMs: number
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tracking-bench-'))
  const source = connectDuckDB({ path: ':memory:' })
  const model = `SELECT i AS id, 'user' || i || '@example.com' AS email, 'Ada' AS first_name,
      'Lovelace' AS last_name, ['free', 'pro', 'team'][1 + i % 3] AS plan, (i % 1000) * 1.5 AS ltv,
      TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS updated_at
    FROM range(${ROWS}) t(i)`
  const lakes: TrackingLake[] = []
  try {
    await measure(source, model, undefined) // warms DuckDB and the JIT
    const plain: Timing[] = []
    const tracked: Timing[] = []
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      plain.push(await measure(source, model, undefined))
      const lake = createTrackingLake({ path: join(dir, `lake-${repetition}`), org: 'bench' })
      lakes.push(lake)
      tracked.push(await measure(source, model, lake))
      const [p, t] = [plain.at(-1)!, tracked.at(-1)!]
      console.log(
        `run ${repetition}: without tracking ${s(p.ms)} (CPU ${s(p.cpuMs)}), with ${s(t.ms)} (CPU ${s(t.cpuMs)}); ` +
          `write() ${s(t.writeMs)}, event loop busy in it ${s(t.busyMs)}`,
      )
    }
    const median = (timings: Timing[], key: keyof Timing) =>
      timings.map((t) => t[key]).sort((a, b) => a - b)[Math.floor(timings.length / 2)]!
    const wall = [median(plain, 'ms'), median(tracked, 'ms')] as const
    const cpu = [median(plain, 'cpuMs'), median(tracked, 'cpuMs')] as const
    const writeMs = median(tracked, 'writeMs')
    const counted = await lakes[0]!.counts({ sync: 'bench-sync', runId: 'run-1' })
    const share = ([without, withTracking]: readonly [number, number]) =>
      `${(((withTracking - without) / without) * 100).toFixed(1)}%`
    console.log(
      `\n${ROWS.toLocaleString('en')} rows in batches of ${BATCH.toLocaleString('en')}, median of ${REPETITIONS}:\n` +
        `  tracking adds ${s(wall[1] - wall[0])} to ${s(wall[0])} of wall time = ${share(wall)} (target < 25%)\n` +
        `  and ${s(cpu[1] - cpu[0])} to ${s(cpu[0])} of CPU time = ${share(cpu)}\n` +
        `  write() ${s(writeMs)} in all = ${Math.round(ROWS / (writeMs / 1000)).toLocaleString('en')} rows/s; ` +
        `the lake holds ${counted.total.toLocaleString('en')} rows in ${counted.batches} files`,
    )
  } finally {
    for (const lake of lakes) await lake.close()
    await source.close?.()
    await rm(dir, { recursive: true, force: true })
  }
}

async function measure(
  source: ReturnType<typeof connectDuckDB>,
  model: string,
  lake: TrackingLake | undefined,
): Promise<Timing> {
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  let writeMs = 0
  let busyMs = 0
  let batchNumber = 0
  let rows = 0
  for await (const chunk of source.query(model, { chunkSize: BATCH })) {
    const batchStarted = new Date()
    const records = chunk.map(toRecord)
    rows += records.length
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
    busyMs += performance.eventLoopUtilization(loop).active
    writeMs += performance.now() - writeStarted
  }
  if (rows !== ROWS) throw new Error(`read ${rows} rows, expected ${ROWS}`)
  const cpu = process.cpuUsage(cpuStarted)
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, writeMs, busyMs }
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

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
