import { changeUsersSql, withDatabase } from '../data/users.js'
import { type Figure, rowsLabel, scaledRows } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import { median } from '../harness/stats.js'
import { expectRun } from '../workloads/checks.js'
import { type EngineRunInput, type EngineRunOutput, formatPhases } from '../workloads/engine-run.js'
import { nullDestination } from '../workloads/null-destination.js'
import { exactly, notAbove } from './targets.js'

const ROWS = 1_000_000

/**
 * Figure 5: what a rerun costs. After an initial sync of the users model (null destination, tracking
 * on), reruns with nothing changed must send nothing; reruns after 1% of the rows changed should cost a
 * small fraction of the initial sync.
 */
export const incrementalFigure: Figure = {
  id: 'incremental',
  title: 'incremental cost',
  specs(scale) {
    const rows = rowsLabel(scaledRows(ROWS, scale))
    return [
      {
        key: 'rerun_unchanged_seconds',
        label: `rerun, ${rows} rows, nothing changed`,
        unit: 's',
        target: notAbove('diff_1m_seconds', `the ${rows} diff`),
      },
      {
        key: 'rerun_unchanged_requests',
        label: `rerun, ${rows} rows, nothing changed: requests sent`,
        unit: '',
        target: exactly(0),
      },
      {
        key: 'rerun_1pct_fraction',
        label: `rerun, ${rows} rows, 1% changed: share of the initial sync's time`,
        unit: '',
      },
      { key: 'initial_sync_seconds', label: `initial sync, ${rows} rows, null destination`, unit: 's' },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(ROWS, ctx.scale)
    const input: EngineRunInput = {
      modelDb: await ctx.fixtures.usersCopy(rows, 'incremental'),
      stateDir: await ctx.fixtures.folder('incremental-state'),
      lakeDir: await ctx.fixtures.folder('incremental-lake'),
      destination: { kind: 'null' },
    }
    const run = async (what: string) => {
      const { output } = await runIsolated<EngineRunOutput>('engineRun', input)
      ctx.log(
        `  ${what}: ${output.seconds.toFixed(2)} s, ${output.writes} requests (${formatPhases(output.phases)})`,
      )
      return output
    }

    const initial = await run(`initial sync ${rowsLabel(rows)}`)
    expectRun(initial, 'the initial sync', { added: rows })

    const unchanged: EngineRunOutput[] = []
    for (let i = 0; i < ctx.repetitions; i++) {
      const output = await run('rerun, nothing changed')
      expectRun(output, 'a rerun with nothing changed', { added: 0, changed: 0 })
      unchanged.push(output)
    }

    const changedRows = rows / 100
    const onePercent: EngineRunOutput[] = []
    for (let i = 0; i < ctx.repetitions; i++) {
      await withDatabase(input.modelDb, (sql) => sql(changeUsersSql(1, i + 1)))
      const output = await run('rerun, 1% changed')
      expectRun(output, 'a rerun with 1% changed', {
        added: 0,
        changed: changedRows,
        writes: Math.ceil(changedRows / nullDestination.capabilities.batchSize),
      })
      onePercent.push(output)
    }

    return {
      rerun_unchanged_seconds: median(unchanged.map((o) => o.seconds)),
      // The worst rerun, not the median: one request sent for nothing is already a failure.
      rerun_unchanged_requests: Math.max(...unchanged.map((o) => o.writes ?? Number.NaN)),
      rerun_1pct_fraction: {
        value: median(onePercent.map((o) => o.seconds)) / initial.seconds,
        note: `median rerun ${median(onePercent.map((o) => o.seconds)).toFixed(2)} s over one initial sync of ${initial.seconds.toFixed(2)} s`,
      },
      initial_sync_seconds: initial.seconds,
    }
  },
}
