import { changeUsersSql, withDatabase } from '../data/users.js'
import { type BenchContext, type Figure, rowsLabel, scaledRows, type Values } from '../harness/figure.js'
import { type IsolatedResult, runIsolated } from '../harness/isolated.js'
import { median, roundTo } from '../harness/stats.js'
import type { DiffRunOutput } from '../workloads/diff-run.js'
import { below, within } from './targets.js'

const SIZES = [
  { full: 1_000_000, key: '1m' },
  { full: 10_000_000, key: '10m' },
] as const

/**
 * Figure 1: the state store's diff of a model against its snapshot, 1% of the rows changed, at 1M and
 * 10M rows. Time is staging + the SQL diff + reading the changes back; every run is its own process,
 * so its peak RSS is its own.
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
        target: below(20, 's'),
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
    for (const size of SIZES)
      Object.assign(values, await diffAt(ctx, scaledRows(size.full, ctx.scale), size.key))
    return values
  },
}

async function diffAt(ctx: BenchContext, rows: number, key: string): Promise<Values> {
  const modelDb = await ctx.fixtures.usersCopy(rows, 'diff')
  const stateDir = await ctx.fixtures.folder(`diff-${key}-state`)
  await runIsolated<DiffRunOutput>('diffRun', { modelDb, stateDir, phase: 'snapshot' })
  await withDatabase(modelDb, (sql) => sql(changeUsersSql(1, 0)))

  const runs: Array<IsolatedResult<DiffRunOutput>> = []
  for (let i = 0; i < ctx.repetitions; i++) {
    const run = await runIsolated<DiffRunOutput>('diffRun', { modelDb, stateDir, phase: 'diff' })
    const { output } = run
    // A diff that finds the wrong rows would be fast for the wrong reason.
    if (output.changed !== rows / 100 || output.added !== 0 || output.removed !== 0) {
      throw new Error(
        `the diff of ${rows} rows found ${output.changed} changed, ${output.added} added, ` +
          `${output.removed} removed; expected ${rows / 100} changed only`,
      )
    }
    ctx.log(
      `  diff ${rowsLabel(rows)} #${i + 1}: ${output.seconds.toFixed(2)} s ` +
        `(stage ${output.stageSeconds.toFixed(2)}, SQL ${output.diffSeconds.toFixed(2)}, ` +
        `changes ${output.changesSeconds.toFixed(2)}; model read ${output.readSeconds.toFixed(2)}), ` +
        `peak RSS ${run.peakRssMb.toFixed(0)} MB, heap ${run.peakHeapMb.toFixed(0)} MB`,
    )
    runs.push(run)
  }
  const part = (pick: (o: DiffRunOutput) => number) => roundTo(median(runs.map((r) => pick(r.output))))
  return {
    [`diff_${key}_seconds`]: {
      value: median(runs.map((r) => r.output.seconds)),
      note: `staging ${part((o) => o.stageSeconds)} s, SQL diff ${part((o) => o.diffSeconds)} s, changes ${part((o) => o.changesSeconds)} s`,
    },
    [`diff_${key}_peak_rss_mb`]: median(runs.map((r) => r.peakRssMb)),
    [`diff_${key}_peak_heap_mb`]: median(runs.map((r) => r.peakHeapMb)),
  }
}
