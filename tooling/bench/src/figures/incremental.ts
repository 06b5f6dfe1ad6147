import { rm } from 'node:fs/promises'
import type { SyncedState } from '../data/fixtures.js'
import { changeUsersSql, withDatabase } from '../data/users.js'
import { type Figure, rowsLabel, scaledRows } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import { median } from '../harness/stats.js'
import { expectRun } from '../workloads/checks.js'
import { type EngineRunOutput, formatPhases } from '../workloads/engine-run.js'
import { nullDestination } from '../workloads/null-destination.js'
import { initialSync } from './engine.js'
import { below, exactly } from './targets.js'

const ROWS = 1_000_000

/**
 * Figure 5: what a rerun costs. Each of three state stores holds an initial sync of the users model
 * (null destination, tracking on): the engine figure's, when it ran first, else this figure's own. Each
 * is rerun with nothing changed, which must send nothing; then 1% of the rows change and each is rerun
 * again. The 1% rerun is compared with the initial sync of the same state store.
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
        target: below(1, 's'),
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
    const states = ctx.fixtures.takeSynced(rows).slice(0, ctx.repetitions)
    try {
      while (states.length < ctx.repetitions) {
        await initialSync(ctx, rows, true, true)
        states.push(...ctx.fixtures.takeSynced(rows))
      }
      // The states were synced from the shared model; the reruns read a copy, changed once by 1%.
      const modelDb = await ctx.fixtures.usersCopy(rows, 'incremental')
      const rerun = async (state: SyncedState, what: string) => {
        const { output } = await runIsolated<EngineRunOutput>('engineRun', {
          modelDb,
          stateDir: state.stateDir,
          lakeDir: state.lakeDir,
          destination: { kind: 'null' },
        })
        ctx.log(
          `  ${what}: ${output.seconds.toFixed(2)} s, ${output.writes} requests (${formatPhases(output.phases)})`,
        )
        return output
      }

      const unchanged: EngineRunOutput[] = []
      for (const state of states) {
        const output = await rerun(state, 'rerun, nothing changed')
        expectRun(output, 'a rerun with nothing changed', { added: 0, changed: 0 })
        unchanged.push(output)
      }

      await withDatabase(modelDb, (sql) => sql(changeUsersSql(1, 1)))
      const changedRows = rows / 100
      const fractions: number[] = []
      const onePercent: number[] = []
      for (const state of states) {
        const output = await rerun(state, 'rerun, 1% changed')
        expectRun(output, 'a rerun with 1% changed', {
          added: 0,
          changed: changedRows,
          writes: Math.ceil(changedRows / nullDestination.capabilities.batchSize),
        })
        onePercent.push(output.seconds)
        fractions.push(output.seconds / state.initialSeconds)
      }

      return {
        rerun_unchanged_seconds: median(unchanged.map((o) => o.seconds)),
        // The worst rerun, not the median: one request sent for nothing is already a failure.
        rerun_unchanged_requests: Math.max(...unchanged.map((o) => o.writes ?? Number.NaN)),
        rerun_1pct_fraction: {
          value: median(fractions),
          note: `median rerun ${median(onePercent).toFixed(2)} s; each over its own initial sync`,
        },
        initial_sync_seconds: median(states.map((s) => s.initialSeconds)),
      }
    } finally {
      await removeStates(states)
    }
  },
}

async function removeStates(states: readonly SyncedState[]): Promise<void> {
  for (const state of states) {
    await rm(state.stateDir, { recursive: true, force: true })
    await rm(state.lakeDir, { recursive: true, force: true })
  }
}
