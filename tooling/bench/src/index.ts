/**
 * `pnpm bench`: runs every figure on data generated in DuckDB, prints one table (figure, value, target,
 * met) and writes `results/latest.json`. `--quick` runs everything at 1/10 scale, as CI does.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Fixtures } from './data/fixtures.js'
import { figures } from './figures/index.js'
import { parseArgs } from './harness/args.js'
import type { BenchContext } from './harness/figure.js'
import { describeMachine } from './harness/machine.js'
import { buildResults, writeResults } from './harness/results.js'
import { runFigures } from './harness/run-figures.js'
import { formatTable } from './harness/table.js'

const REPETITIONS = 3
const resultsFile = fileURLToPath(new URL('../results/latest.json', import.meta.url))

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  const unknown = args.only.filter((id) => !figures.some((f) => f.id === id))
  if (unknown.length > 0) {
    throw new Error(`unknown figure "${unknown.join(', ')}"; figures: ${figures.map((f) => f.id).join(', ')}`)
  }
  const selected = args.only.length > 0 ? figures.filter((f) => args.only.includes(f.id)) : figures
  const scale = args.quick ? 0.1 : 1
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-'))
  const started = performance.now()
  const log = (message: string) => {
    const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
    process.stderr.write(`[bench ${elapsed}s] ${message}\n`)
  }
  const ctx: BenchContext = {
    scale,
    repetitions: REPETITIONS,
    workDir,
    fixtures: new Fixtures(workDir, log),
    log,
    fail: () => {},
  }
  ctx.log(`scale ${scale}, ${REPETITIONS} repetitions per figure, scratch ${workDir}`)
  try {
    const { measurements, failures } = await runFigures(selected, ctx)
    console.log(`\nSluice benchmarks (scale ${scale}, median of ${REPETITIONS})\n`)
    console.log(formatTable(measurements, scale))
    if (args.only.length === 0) {
      await writeResults(resultsFile, buildResults(measurements, scale, describeMachine()))
      console.log(`\nwritten to ${path.relative(process.cwd(), resultsFile)}`)
    } else {
      console.log('\n--only: results/latest.json left as it was (it holds complete runs only)')
    }
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`)
    for (const failure of failures) console.error(`FAILED ${failure}`)
    return failures.length > 0 ? 1 : 0
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
