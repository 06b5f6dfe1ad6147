import path from 'node:path'
import { changeUsersSql, withDatabase } from '../data/users.js'
import { type BenchContext, type Figure, rowsLabel, scaledRows, type Values } from '../harness/figure.js'
import { type IsolatedResult, runIsolated } from '../harness/isolated.js'
import { median, roundTo, secondsSince } from '../harness/stats.js'
import type { AntiJoinInput, AntiJoinOutput, AntiJoinPrepareInput } from '../workloads/anti-join.js'
import type { DiffRunOutput } from '../workloads/diff-run.js'
import { atMost, below, within } from './targets.js'

const SIZES = [
  { full: 1_000_000, key: '1m' },
  { full: 10_000_000, key: '10m' },
] as const

/**
 * Figure 1: the state store's diff of a model against its snapshot, 1% of the rows changed, at 1M and
 * 10M rows. Time is staging + the SQL diff + reading the changes back; every run is its own process,
 * so its peak RSS is its own. At 10M, each run is followed by DuckDB alone joining two tables of
 * (identifier, hash) for the same rows: the diff's baseline, measured in the same run.
 */
export const diffFigure: Figure = {
  id: 'diff',
  title: 'diff',
  specs(scale) {
    const [small, large] = SIZES.map((s) => rowsLabel(scaledRows(s.full, scale)))
    return [
      { key: 'diff_1m_seconds', label: `diff, ${small} rows, 1% changed`, unit: 's' },
      { key: 'diff_1m_peak_rss_mb', label: `diff, ${small}: peak RSS`, unit: 'MB' },
      { key: 'diff_1m_peak_heap_mb', label: `diff, ${small}: peak JS heap`, unit: 'MB' },
      {
        key: 'diff_10m_seconds',
        label: `diff, ${large} rows, 1% changed`,
        unit: 's',
        target: below(8, 's'),
      },
      {
        key: 'diff_10m_antijoin_ratio',
        label: `diff, ${large} rows ÷ DuckDB's anti-join of the same hash tables`,
        unit: '×',
        target: atMost(2, '×'),
      },
      {
        key: 'diff_10m_antijoin_seconds',
        label: `DuckDB's anti-join of the hash tables, ${large}`,
        unit: 's',
      },
      { key: 'diff_10m_peak_rss_mb', label: `diff, ${large}: peak RSS`, unit: 'MB' },
      {
        key: 'diff_10m_peak_heap_mb',
        label: `diff, ${large}: peak JS heap`,
        unit: 'MB',
        target: within(1.2, 'diff_1m_peak_heap_mb', small!, 300),
      },
    ]
  },
  async run(ctx) {
    const values: Values = {}
    for (const size of SIZES) {
      const baseline = size.key === '10m'
      Object.assign(values, await diffAt(ctx, scaledRows(size.full, ctx.scale), size.key, baseline))
    }
    return values
  },
}

async function diffAt(ctx: BenchContext, rows: number, key: string, baseline: boolean): Promise<Values> {
  const modelDb = await ctx.fixtures.usersCopy(rows, 'diff')
  const stateDir = await ctx.fixtures.folder(`diff-${key}-state`)
  await runIsolated<DiffRunOutput>('diffRun', { modelDb, stateDir, phase: 'snapshot' })
  await withDatabase(modelDb, (sql) => sql(changeUsersSql(1, 0)))
  const antiJoin = baseline ? await prepareAntiJoin(ctx, modelDb, stateDir, rows) : undefined

  const runs: Array<IsolatedResult<DiffRunOutput>> = []
  const joins: number[] = []
  const ratios: number[] = []
  for (let i = 0; i < ctx.repetitions; i++) {
    const run = await runIsolated<DiffRunOutput>('diffRun', { modelDb, stateDir, phase: 'diff' })
    const { output } = run
    // A diff that finds the wrong rows would be fast for the wrong reason.
    expectOnePercent(`the diff of ${rows} rows`, rows, output)
    ctx.log(
      `  diff ${rowsLabel(rows)} #${i + 1}: ${output.seconds.toFixed(2)} s ` +
        `(stage ${output.stageSeconds.toFixed(2)}, SQL ${output.diffSeconds.toFixed(2)}, ` +
        `changes ${output.changesSeconds.toFixed(2)}), ` +
        `peak RSS ${run.peakRssMb.toFixed(0)} MB, heap ${run.peakHeapMb.toFixed(0)} MB`,
    )
    if (antiJoin) {
      // Right after the state store's diff: DuckDB alone on the same rows' hash tables.
      const join = await runIsolated<AntiJoinOutput>('antiJoin', antiJoin)
      expectOnePercent(`the anti-join of ${rows} rows`, rows, join.output)
      ctx.log(`  anti-join ${rowsLabel(rows)} #${i + 1}: ${join.output.seconds.toFixed(2)} s`)
      joins.push(join.output.seconds)
      ratios.push(output.seconds / join.output.seconds)
    }
    runs.push(run)
  }
  const part = (pick: (o: DiffRunOutput) => number) => roundTo(median(runs.map((r) => pick(r.output))))
  const baselineValues: Values = antiJoin
    ? {
        [`diff_${key}_antijoin_ratio`]: {
          value: median(ratios),
          note: `median of ${ratios.length} pairs (the diff ÷ the anti-join after it): ${ratios.map((r) => r.toFixed(1)).join(', ')}`,
        },
        [`diff_${key}_antijoin_seconds`]: median(joins),
      }
    : {}
  return {
    ...baselineValues,
    [`diff_${key}_seconds`]: {
      value: median(runs.map((r) => r.output.seconds)),
      note: `staging ${part((o) => o.stageSeconds)} s, SQL diff ${part((o) => o.diffSeconds)} s, changes ${part((o) => o.changesSeconds)} s`,
    },
    [`diff_${key}_peak_rss_mb`]: median(runs.map((r) => r.peakRssMb)),
    [`diff_${key}_peak_heap_mb`]: median(runs.map((r) => r.peakHeapMb)),
  }
}

function expectOnePercent(
  what: string,
  rows: number,
  found: { changed: number; added: number; removed: number },
): void {
  if (found.changed !== rows / 100 || found.added !== 0 || found.removed !== 0) {
    throw new Error(
      `${what} found ${found.changed} changed, ${found.added} added, ` +
        `${found.removed} removed; expected ${rows / 100} changed only`,
    )
  }
}

/**
 * The two hash tables of the baseline, in a DuckDB file of their own: the snapshot the state store
 * diffs against (its identifiers and hashes, read from its file) and the changed model's rows with the
 * md5 of the payload the diff figure stages.
 */
async function prepareAntiJoin(
  ctx: BenchContext,
  modelDb: string,
  stateDir: string,
  rows: number,
): Promise<AntiJoinInput> {
  const folder = await ctx.fixtures.folder('antijoin')
  const baselineDb = path.join(folder, 'hashes.duckdb')
  const started = performance.now()
  const { output } = await runIsolated<{ snapshot: number; staged: number }>('antiJoinPrepare', {
    modelDb,
    stateDir,
    baselineDb,
  } satisfies AntiJoinPrepareInput)
  if (output.snapshot !== rows || output.staged !== rows) {
    throw new Error(
      `the anti-join's tables hold ${output.snapshot} and ${output.staged} rows, expected ${rows}`,
    )
  }
  ctx.log(
    `  anti-join's hash tables for ${rowsLabel(rows)} prepared in ${secondsSince(started).toFixed(1)} s`,
  )
  return { baselineDb, tempDirectory: path.join(folder, 'spill') }
}
