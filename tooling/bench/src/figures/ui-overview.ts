import { rm } from 'node:fs/promises'
import type { Figure } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import type { ServeOverviewOutput } from '../workloads/serve-overview.js'
import { below } from './targets.js'

const SYNCS = 500
const RUNS_PER_SYNC = 2
const REQUESTS = 200

/**
 * Figure 10: the web UI's syncs overview with 500 syncs, served by `sluice serve` (real HTTP on
 * loopback): every sync's health, schedule, next run and last run, as the page asks for them on each
 * load and refresh. The count of syncs does not scale with --quick: it is the figure's subject.
 */
export const uiOverviewFigure: Figure = {
  id: 'ui',
  title: 'web UI overview',
  specs() {
    return [
      {
        key: 'ui_overview_p99_ms',
        label: `web UI overview, ${SYNCS} syncs: served p99`,
        unit: 'ms',
        target: below(300, 'ms', true),
      },
      { key: 'ui_overview_p50_ms', label: `web UI overview, ${SYNCS} syncs: served p50`, unit: 'ms' },
      { key: 'ui_overview_first_ms', label: `web UI overview, ${SYNCS} syncs: first load`, unit: 'ms' },
    ]
  },
  async run(ctx) {
    const requests = Math.max(30, Math.round(REQUESTS * ctx.scale))
    const stateDir = await ctx.fixtures.folder('ui-overview-state')
    try {
      const { output } = await runIsolated<ServeOverviewOutput>('serveOverview', {
        stateDir,
        syncs: SYNCS,
        runsPerSync: RUNS_PER_SYNC,
        requests,
      })
      ctx.log(
        `  ${output.syncs.count} loads of GET /api/syncs (${(output.bytes / 1024).toFixed(0)} KB): p50 ${output.syncs.p50.toFixed(1)} ms, p99 ${output.syncs.p99.toFixed(1)} ms; page and scripts ${output.assetsMs.toFixed(1)} ms`,
      )
      return {
        ui_overview_p99_ms: {
          value: output.syncs.p99,
          note: `${output.syncs.count} loads of GET /api/syncs, ${(output.bytes / 1024).toFixed(0)} KB each; ${SYNCS * RUNS_PER_SYNC} runs in the ledger`,
        },
        ui_overview_p50_ms: output.syncs.p50,
        ui_overview_first_ms: {
          value: output.firstMs,
          note: `the page, its style sheet and scripts took ${output.assetsMs.toFixed(0)} ms more, once`,
        },
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  },
}
