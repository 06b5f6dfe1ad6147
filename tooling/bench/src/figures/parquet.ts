import { rm } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { changeUsersSql, withDatabase } from '../data/users.js'
import { type BenchContext, type Figure, rowsLabel, scaledRows, type Values } from '../harness/figure.js'
import { type IsolatedResult, runIsolated } from '../harness/isolated.js'
import { median, roundTo } from '../harness/stats.js'
import { expectRun } from '../workloads/checks.js'
import { type EngineRunOutput, formatPhases } from '../workloads/engine-run.js'
import type { ParquetWritePair } from '../workloads/parquet-write.js'
import { atMost } from './targets.js'

const ROWS = 1_000_000

/**
 * The S3 destination writing parquet to a local folder (`file:`, the same code as a bucket above the
 * storage layer). The ratio: the users sync's rows handed to the destination in batches, as the engine
 * hands them, against DuckDB's own `COPY … TO` of the same rows, in pairs of alternating order in one
 * process. Beside it, one whole snapshot-mode sync through the engine (query and diff included) against
 * the same COPY; then a diff-mode sync rerun after 1% of the rows changed.
 */
export const parquetFigure: Figure = {
  id: 'parquet',
  title: 'S3 destination, parquet',
  specs(scale) {
    const rows = rowsLabel(scaledRows(ROWS, scale))
    return [
      {
        key: 'parquet_write_ratio',
        label: `parquet, ${rows} rows: time in the destination ÷ DuckDB COPY … TO`,
        unit: '×',
        target: atMost(1.5, '×'),
      },
      { key: 'parquet_sync_ratio', label: `parquet, ${rows} rows: whole sync ÷ DuckDB COPY … TO`, unit: '×' },
      { key: 'parquet_copy_seconds', label: `parquet, ${rows} rows: DuckDB COPY … TO`, unit: 's' },
      { key: 'parquet_write_seconds', label: `parquet, ${rows} rows: time in the destination`, unit: 's' },
      {
        key: 'parquet_diff_rerun_seconds',
        label: `parquet, diff mode, ${rows} rows, rerun with 1% changed`,
        unit: 's',
      },
      {
        key: 'parquet_diff_rerun_files',
        label: `parquet, diff mode, ${rows} rows, rerun with 1% changed: files written`,
        unit: 'files',
      },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(ROWS, ctx.scale)
    return { ...(await writeRatio(ctx, rows)), ...(await diffRerun(ctx, rows)) }
  },
}

async function writeRatio(ctx: BenchContext, rows: number): Promise<Values> {
  const modelDb = await ctx.fixtures.users(rows)
  const dir = await ctx.fixtures.folder('parquet-write')
  let pairs: ParquetWritePair[]
  try {
    pairs = (
      await runIsolated<ParquetWritePair[]>('parquetWrite', { modelDb, dir, repetitions: ctx.repetitions })
    ).output
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  for (const [i, pair] of pairs.entries()) {
    if (pair.rows !== rows) throw new Error(`the manifest lists ${pair.rows} rows, expected ${rows}`)
    ctx.log(
      `  #${i + 1} (${i % 2 === 0 ? 'COPY first' : 'destination first'}): COPY ${pair.copySeconds.toFixed(2)} s, ` +
        `destination ${pair.writeSeconds.toFixed(2)} s (${pair.files} files)`,
    )
  }
  const copySeconds = median(pairs.map((p) => p.copySeconds))
  const writeSeconds = median(pairs.map((p) => p.writeSeconds))
  // The whole sync once: the engine's query and diff around the same writes, against the same COPY.
  const sync = await snapshotSync(ctx, modelDb, rows)
  const { seconds, destinationSeconds = 0 } = sync.output
  ctx.log(
    `  snapshot sync through the engine: ${seconds.toFixed(2)} s, destination busy ` +
      `${destinationSeconds.toFixed(2)} s\n    phases: ${formatPhases(sync.output.phases)}`,
  )
  return {
    parquet_write_ratio: {
      value: median(pairs.map((p) => p.writeSeconds / p.copySeconds)),
      note: `${roundTo(writeSeconds)} s ÷ ${roundTo(copySeconds)} s, ${pairs.length} pairs in alternating order`,
    },
    parquet_sync_ratio: {
      value: seconds / copySeconds,
      note: `${roundTo(seconds)} s ÷ ${roundTo(copySeconds)} s, one run: query and diff included`,
    },
    parquet_copy_seconds: copySeconds,
    parquet_write_seconds: writeSeconds,
  }
}

/** An initial sync in snapshot mode through the engine: every row goes to the folder as parquet. */
async function snapshotSync(
  ctx: BenchContext,
  modelDb: string,
  rows: number,
): Promise<IsolatedResult<EngineRunOutput>> {
  const stateDir = await ctx.fixtures.folder('parquet-state')
  const outDir = await ctx.fixtures.folder('parquet-out')
  try {
    const run = await runIsolated<EngineRunOutput>('engineRun', {
      modelDb,
      stateDir,
      lakeDir: null,
      destination: { kind: 's3', url: pathToFileURL(outDir).href, format: 'parquet', mode: 'snapshot' },
    })
    expectRun(run.output, `snapshot sync of ${rowsLabel(rows)} as parquet`, { added: rows })
    if (run.output.fileRows !== rows)
      throw new Error(`the manifest lists ${run.output.fileRows} rows, expected ${rows}`)
    return run
  } finally {
    await rm(stateDir, { recursive: true, force: true })
    await rm(outDir, { recursive: true, force: true })
  }
}

/** Three reruns at full scale; one at `--quick`, where each costs mostly its process's start. */
function rerunCount(ctx: BenchContext): number {
  return ctx.scale >= 1 ? ctx.repetitions : 1
}

/** A diff-mode sync of every row, then reruns each after a different 1% of the rows changed. */
async function diffRerun(ctx: BenchContext, rows: number): Promise<Values> {
  const modelDb = await ctx.fixtures.usersCopy(rows, 'parquet-diff')
  const stateDir = await ctx.fixtures.folder('parquet-diff-state')
  const outDir = await ctx.fixtures.folder('parquet-diff-out')
  const input = {
    modelDb,
    stateDir,
    lakeDir: null,
    destination: { kind: 's3', url: pathToFileURL(outDir).href, format: 'parquet', mode: 'diff' },
  }
  try {
    const first = await runIsolated<EngineRunOutput>('engineRun', input)
    expectRun(first.output, `diff-mode sync of ${rowsLabel(rows)}`, { added: rows })
    ctx.log(`  diff mode, first run (every row added): ${first.output.seconds.toFixed(2)} s`)
    const reruns: EngineRunOutput[] = []
    for (let i = 0; i < rerunCount(ctx); i++) {
      await withDatabase(modelDb, (sql) => sql(changeUsersSql(1, i)))
      const { output } = await runIsolated<EngineRunOutput>('engineRun', input)
      expectRun(output, `diff-mode rerun of ${rowsLabel(rows)}, 1% changed`, {
        added: 0,
        changed: rows / 100,
      })
      if (output.fileRows !== rows / 100)
        throw new Error(`the rerun's manifest lists ${output.fileRows} rows, expected ${rows / 100}`)
      ctx.log(
        `  diff mode rerun #${i + 1}: ${output.seconds.toFixed(2)} s, ${output.files} files, destination ` +
          `${(output.destinationSeconds ?? 0).toFixed(2)} s\n    phases: ${formatPhases(output.phases)}`,
      )
      reruns.push(output)
    }
    return {
      parquet_diff_rerun_seconds: {
        value: median(reruns.map((r) => r.seconds)),
        note: `destination ${roundTo(median(reruns.map((r) => r.destinationSeconds ?? 0)))} s; first run ${roundTo(first.output.seconds)} s`,
      },
      parquet_diff_rerun_files: {
        value: median(reruns.map((r) => r.files ?? 0)),
        note: `${rows / 100} changed rows`,
      },
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true })
    await rm(outDir, { recursive: true, force: true })
  }
}
