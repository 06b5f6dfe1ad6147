import { rm } from 'node:fs/promises'
import { type BenchContext, type Figure, rowsLabel, scaledRows, type Values } from '../harness/figure.js'
import { type IsolatedResult, runIsolated } from '../harness/isolated.js'
import { median } from '../harness/stats.js'
import type { BareScanOutput } from '../workloads/bare-scan.js'
import { expectRun } from '../workloads/checks.js'
import { type EngineRunOutput, formatPhases } from '../workloads/engine-run.js'
import { nullDestination } from '../workloads/null-destination.js'
import { formatParts } from '../workloads/timed-parts.js'
import { atLeast, atMost, below } from './targets.js'

const SMALL = 1_000_000
const LARGE = 10_000_000

/**
 * Runs at 10M rows. One, not three: this run is here for its peak RSS, which a noisy machine moves far
 * less than it moves time (the 1M runs' peaks agree within a few percent), and three 10M syncs would
 * take the whole benchmark past its ten-minute budget.
 */
const LARGE_RUNS = 1

/**
 * Figures 2 and 6 and the tracking overhead: initial syncs of the users model to the null destination.
 * At 1M rows, runs with and without the tracking lake alternate side by side; at 10M rows the runs
 * give the memory figure. Every run is its own process, so each peak RSS is that run's. After each
 * pair, a bare DuckDB scan of the same model that serialises and hashes the rows as the state store's
 * staging does gives the engine's time a baseline measured in the same run.
 */
export const engineFigure: Figure = {
  id: 'engine',
  title: 'engine, null destination',
  specs(scale) {
    const small = rowsLabel(scaledRows(SMALL, scale))
    const large = rowsLabel(scaledRows(LARGE, scale))
    return [
      {
        key: 'engine_null_records_per_s',
        label: `engine, ${small}-row initial sync, null destination`,
        unit: 'records/s',
        target: atLeast(250_000, '/s'),
      },
      {
        key: 'tracking_overhead_fraction',
        label: `tracking lake's added time, ${small} initial sync`,
        unit: '',
        target: below(0.15, '', true),
      },
      {
        key: 'engine_scan_ratio',
        label: `engine, ${small} initial sync ÷ bare DuckDB scan, serialise and hash`,
        unit: '×',
      },
      { key: 'engine_bare_scan_seconds', label: `bare DuckDB scan, serialise and hash, ${small}`, unit: 's' },
      { key: 'engine_1m_peak_rss_mb', label: `engine, ${small}: peak RSS`, unit: 'MB' },
      { key: 'engine_10m_records_per_s', label: `engine, ${large}-row initial sync`, unit: 'records/s' },
      { key: 'engine_10m_peak_rss_mb', label: `engine, ${large}: peak RSS`, unit: 'MB' },
      {
        key: 'engine_rss_ratio',
        label: `engine peak RSS, ${large} ÷ ${small}`,
        unit: '×',
        target: atMost(1.2, '×'),
      },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(SMALL, ctx.scale)
    const modelDb = await ctx.fixtures.users(rows)
    const withLake: Array<IsolatedResult<EngineRunOutput>> = []
    const overheads: number[] = []
    const scans: number[] = []
    const scanRatios: number[] = []
    for (let i = 0; i < ctx.repetitions; i++) {
      // Alternate which goes first, so a machine that slows down or speeds up favours neither.
      const order = i % 2 === 0 ? [true, false] : [false, true]
      const pair = new Map<boolean, IsolatedResult<EngineRunOutput>>()
      for (const tracked of order) pair.set(tracked, await initialSync(ctx, rows, tracked, tracked))
      const tracked = pair.get(true)!
      const untracked = pair.get(false)!
      withLake.push(tracked)
      overheads.push(tracked.output.seconds / untracked.output.seconds - 1)
      // The baseline right after the pair: the same rows serialised and hashed by DuckDB alone.
      const scan = await bareScan(ctx, modelDb, rows)
      scans.push(scan)
      scanRatios.push(tracked.output.seconds / scan)
    }
    const values: Values = {
      engine_null_records_per_s: {
        value: rows / median(withLake.map((r) => r.output.seconds)),
        note: `median run ${median(withLake.map((r) => r.output.seconds)).toFixed(2)} s: ${medianPhases(withLake)}`,
      },
      tracking_overhead_fraction: median(overheads),
      engine_scan_ratio: {
        value: median(scanRatios),
        note: `median of ${scanRatios.length} pairs (run with tracking ÷ the scan after it): ${scanRatios.map((r) => r.toFixed(1)).join(', ')}`,
      },
      engine_bare_scan_seconds: median(scans),
      engine_1m_peak_rss_mb: median(withLake.map((r) => r.peakRssMb)),
    }

    const largeRows = scaledRows(LARGE, ctx.scale)
    const large: Array<IsolatedResult<EngineRunOutput>> = []
    for (let i = 0; i < LARGE_RUNS; i++) large.push(await initialSync(ctx, largeRows, true, false))
    const runs = `${LARGE_RUNS} run${LARGE_RUNS === 1 ? '' : 's'}`
    values.engine_10m_records_per_s = {
      value: largeRows / median(large.map((r) => r.output.seconds)),
      note: runs,
    }
    const largePeak = median(large.map((r) => r.peakRssMb))
    values.engine_10m_peak_rss_mb = { value: largePeak, note: runs }
    values.engine_rss_ratio = largePeak / (values.engine_1m_peak_rss_mb as number)
    return values
  },
}

/**
 * One initial sync of `rows` users into a fresh state store (and lake), in its own process. With `keep`,
 * the state and lake are handed to the incremental figure, which reruns them.
 */
export async function initialSync(
  ctx: BenchContext,
  rows: number,
  tracked: boolean,
  keep: boolean,
): Promise<IsolatedResult<EngineRunOutput>> {
  const stateDir = await ctx.fixtures.folder('engine-state')
  const lakeDir = tracked ? await ctx.fixtures.folder('engine-lake') : null
  let kept = false
  try {
    const run = await runIsolated<EngineRunOutput>('engineRun', {
      modelDb: await ctx.fixtures.users(rows),
      stateDir,
      lakeDir,
      destination: { kind: 'null' },
    })
    expectRun(run.output, `initial sync of ${rowsLabel(rows)}`, {
      added: rows,
      writes: Math.ceil(rows / nullDestination.capabilities.batchSize),
    })
    ctx.log(
      `  initial sync ${rowsLabel(rows)} ${tracked ? 'with' : 'without'} tracking: ` +
        `${run.output.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB, ` +
        `heap ${run.peakHeapMb.toFixed(0)} MB\n    phases: ${formatPhases(run.output.phases)}\n` +
        `    inside: ${formatParts(run.output.parts)}`,
    )
    if (keep && lakeDir) {
      ctx.fixtures.keepSynced(rows, { stateDir, lakeDir, initialSeconds: run.output.seconds })
      kept = true
    }
    return run
  } finally {
    if (!kept) {
      await rm(stateDir, { recursive: true, force: true })
      if (lakeDir) await rm(lakeDir, { recursive: true, force: true })
    }
  }
}

/**
 * The engine's baseline: DuckDB alone reading the same model, building every row's identifier and
 * payload with the state store's own staging SQL and hashing it, in its own process.
 */
async function bareScan(ctx: BenchContext, modelDb: string, rows: number): Promise<number> {
  const { output, peakRssMb } = await runIsolated<BareScanOutput>('bareScan', { modelDb })
  if (output.rows !== rows) throw new Error(`the bare scan read ${output.rows} rows, expected ${rows}`)
  ctx.log(
    `  bare DuckDB scan ${rowsLabel(rows)}: ${output.seconds.toFixed(2)} s, peak RSS ${peakRssMb.toFixed(0)} MB`,
  )
  return output.seconds
}

/** Each phase's median over runs. */
function medianPhases(runs: ReadonlyArray<IsolatedResult<EngineRunOutput>>): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.output.phases)))]
  return formatPhases(
    Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r.output.phases[n] ?? 0))])),
  )
}
