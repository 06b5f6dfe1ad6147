import { rm } from 'node:fs/promises'
import { type BenchContext, type Figure, rowsLabel, scaledRows } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import { median } from '../harness/stats.js'
import { expectRun } from '../workloads/checks.js'
import type { EngineRunOutput } from '../workloads/engine-run.js'
import { FakeBrazeProcess, type TrackTraffic } from '../workloads/fake-braze.js'
import { OBJECTS_PER_REQUEST, type RawHttpOutput } from '../workloads/raw-http.js'
import { atMost } from './targets.js'

const RECORDS = 100_000

/**
 * Requests the Braze connector keeps in flight: its HTTP client's concurrency (16, in
 * `connectors/destination-braze/src/api.ts`). The bare loop uses the same.
 */
const CONCURRENCY = 16

/** A quota far above what loopback can reach, so neither side is rate limited: this figure is about cost. */
const UNLIMITED = { requests: 1_000_000, perMs: 1000 }

/**
 * Figure 3: the same records sent to the fake Braze API over loopback (a) by a sync run (engine,
 * Braze connector, HTTP toolkit, state, tracking) and (b) by a bare undici loop posting identical
 * pre-built bodies with the same concurrency. The ratio a/b is what Sluice costs over the wire's floor.
 */
export const httpOverheadFigure: Figure = {
  id: 'http',
  title: 'overhead over raw HTTP',
  specs(scale) {
    const records = rowsLabel(scaledRows(RECORDS, scale))
    return [
      {
        key: 'http_overhead_ratio',
        label: `${records} records to fake Braze: sync run / bare undici`,
        unit: '×',
        target: atMost(1.3, ''),
      },
      { key: 'http_sync_seconds', label: `${records} records to fake Braze: sync run`, unit: 's' },
      { key: 'http_raw_seconds', label: `${records} records to fake Braze: bare undici`, unit: 's' },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(RECORDS, ctx.scale)
    const modelDb = await ctx.fixtures.users(rows)
    const fake = await FakeBrazeProcess.start(UNLIMITED)
    try {
      const ratios: number[] = []
      const sync: number[] = []
      const raw: number[] = []
      for (let i = 0; i < ctx.repetitions; i++) {
        const order = i % 2 === 0 ? (['sync', 'raw'] as const) : (['raw', 'sync'] as const)
        const seconds = { sync: 0, raw: 0 }
        for (const side of order) {
          await fake.reset()
          seconds[side] =
            side === 'sync' ? await syncRun(ctx, fake, modelDb, rows) : await rawRun(fake, modelDb, rows)
          const traffic = await fake.traffic()
          expectTraffic(traffic, side, rows)
          ctx.log(
            `  ${side === 'sync' ? 'sync run ' : 'bare loop'} ${rowsLabel(rows)}: ${seconds[side].toFixed(2)} s, ` +
              `${traffic.requests} requests, at most ${traffic.maxInFlight} in flight`,
          )
        }
        sync.push(seconds.sync)
        raw.push(seconds.raw)
        ratios.push(seconds.sync / seconds.raw)
      }
      return {
        http_overhead_ratio: median(ratios),
        http_sync_seconds: median(sync),
        http_raw_seconds: median(raw),
      }
    } finally {
      await fake.close()
    }
  },
}

async function syncRun(ctx: BenchContext, fake: FakeBrazeProcess, modelDb: string, rows: number) {
  const stateDir = await ctx.fixtures.folder('http-state')
  const lakeDir = await ctx.fixtures.folder('http-lake')
  try {
    const { output } = await runIsolated<EngineRunOutput>('engineRun', {
      modelDb,
      stateDir,
      lakeDir,
      destination: { kind: 'braze', url: fake.url, apiKey: fake.apiKey, trackLimit: UNLIMITED },
    })
    expectRun(output, `sync of ${rowsLabel(rows)} to fake Braze`, { added: rows })
    const phases = Object.entries(output.phases).map(([name, s]) => `${name} ${s.toFixed(2)} s`)
    ctx.log(`    sync run phases: ${phases.join(', ')}`)
    return output.seconds
  } finally {
    await rm(stateDir, { recursive: true, force: true })
    await rm(lakeDir, { recursive: true, force: true })
  }
}

async function rawRun(fake: FakeBrazeProcess, modelDb: string, rows: number) {
  const { output } = await runIsolated<RawHttpOutput>('rawHttp', {
    modelDb,
    rows,
    url: fake.url,
    apiKey: fake.apiKey,
    concurrency: CONCURRENCY,
  })
  if (output.failed > 0) throw new Error(`the bare loop had ${output.failed} failed requests`)
  return output.seconds
}

/** Both sides must have delivered every record in the same number of requests, none refused. */
function expectTraffic(traffic: TrackTraffic, side: string, rows: number): void {
  const requests = Math.ceil(rows / OBJECTS_PER_REQUEST)
  if (traffic.requests !== requests || traffic.rateLimited > 0 || traffic.users !== rows) {
    throw new Error(
      `${side}: the fake saw ${traffic.requests} requests (${traffic.rateLimited} answered 429) and holds ` +
        `${traffic.users} profiles; expected ${requests} requests and ${rows} profiles`,
    )
  }
}
