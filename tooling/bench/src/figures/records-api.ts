import { rm } from 'node:fs/promises'
import { type Figure, rowsLabel, scaledRows } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import { REQUEST_KINDS, type RecordsApiOutput } from '../workloads/records-api.js'
import { below } from './targets.js'

const ROWS = 1_000_000
/** Requests measured: enough that the p99 is not the single slowest one. */
const REQUESTS = 500

/**
 * Figure 8: pages of a run's records over the `sluice serve` API (real HTTP on loopback), on a run of
 * 1M tracked rows in a lake on local disk: first pages, pages deep in the run, the pages after them
 * through `nextCursor`, a status filter, identifier searches.
 */
export const recordsApiFigure: Figure = {
  id: 'records',
  title: 'records API latency',
  specs(scale) {
    const rows = rowsLabel(scaledRows(ROWS, scale))
    return [
      {
        key: 'records_api_p99_ms',
        label: `records API, ${rows}-row run: page latency p99`,
        unit: 'ms',
        target: below(200, 'ms'),
      },
      { key: 'records_api_p50_ms', label: `records API, ${rows}-row run: page latency p50`, unit: 'ms' },
      {
        key: 'ui_records_page_p99_ms',
        label: `web UI run page, ${rows}-row run: records page (50 rows) p99`,
        unit: 'ms',
        target: below(200, 'ms'),
      },
      {
        key: 'ui_run_detail_p99_ms',
        label: `web UI run page, ${rows}-row run: the run with reasons and phases p99`,
        unit: 'ms',
      },
      {
        key: 'records_api_first_ms',
        label: `records API, ${rows}-row run: first request on the run`,
        unit: 'ms',
      },
      {
        key: 'records_api_first_search_ms',
        label: `records API, ${rows}-row run: first identifier search`,
        unit: 'ms',
      },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(ROWS, ctx.scale)
    const requests = Math.max(100, Math.round(REQUESTS * ctx.scale))
    const lakeDir = await ctx.fixtures.folder('records-lake')
    const stateDir = await ctx.fixtures.folder('records-state')
    try {
      const { output } = await runIsolated<RecordsApiOutput>('recordsApi', {
        lakeDir,
        stateDir,
        rows,
        requests,
      })
      ctx.log(`  wrote ${rowsLabel(rows)} tracked rows in ${output.writeSeconds.toFixed(1)} s`)
      for (const kind of REQUEST_KINDS) {
        const l = output.byKind[kind]!
        ctx.log(
          `  ${kind.padEnd(18)} ${l.count} requests: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`,
        )
      }
      ctx.log(
        `  web UI run page    ${output.runDetail.count} loads: run p99 ${output.runDetail.p99.toFixed(1)} ms, records page p99 ${output.uiPage.p99.toFixed(1)} ms`,
      )
      const slowest = REQUEST_KINDS.reduce((a, b) => (output.byKind[a]!.p99 >= output.byKind[b]!.p99 ? a : b))
      return {
        records_api_p99_ms: {
          value: output.all.p99,
          note: `${output.all.count} pages of 100; slowest kind ${slowest}, p99 ${output.byKind[slowest]!.p99.toFixed(0)} ms`,
        },
        records_api_p50_ms: output.all.p50,
        ui_records_page_p99_ms: {
          value: output.uiPage.p99,
          note: `${output.uiPage.count} first pages of 50, all rows and rejected rows in turn; p50 ${output.uiPage.p50.toFixed(1)} ms`,
        },
        ui_run_detail_p99_ms: {
          value: output.runDetail.p99,
          note: `GET /api/runs/{run}: counts, rejection reasons over every row, phases from the batches; p50 ${output.runDetail.p50.toFixed(1)} ms`,
        },
        records_api_first_ms: {
          value: output.firstRequestMs,
          note: 'reads the summary of every batch file of the run once; later pages reuse it',
        },
        records_api_first_search_ms: {
          value: output.firstSearchMs,
          note: 'builds the identifier filter of every batch file once; later searches reuse it',
        },
      }
    } finally {
      await rm(lakeDir, { recursive: true, force: true })
      await rm(stateDir, { recursive: true, force: true })
    }
  },
}
