import { type RunStatus, SluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { ago, duration, n, paintFor, table, toJson } from '../output/format.js'
import { invalidTotal, runJson, statusText, sumOf } from '../output/run-summary.js'
import { parseSince } from '../project/history.js'
import { openProject, requireSync } from '../project/project.js'
import { openLedger } from '../project/state.js'

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const since = values.since === undefined ? undefined : parseSince(values.since as string)
  const limit = values.limit === undefined ? 20 : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1) {
    throw new SluiceError('config', `--limit must be a whole number ≥ 1, found "${values.limit}".`, {
      code: 'BAD_USAGE',
    })
  }
  const project = await openProject(global, { connect: false })
  const sync = positionals[0]
  if (sync !== undefined) requireSync(project, sync)
  const ledger = await openLedger(project)
  try {
    const runs = await ledger.listRuns({
      sync,
      status: values.status as RunStatus[] | undefined,
      since,
      limit,
    })
    if (global.json) {
      for (const run of runs) process.stdout.write(`${toJson(runJson(run))}\n`)
      return EXIT.ok
    }
    if (runs.length === 0) {
      process.stdout.write('no runs match.\n')
      return EXIT.ok
    }
    const paint = paintFor(process.stdout)
    const rows = runs.map((run) => {
      const c = run.counts
      return [
        run.id,
        run.sync,
        statusText(run.status, paint) + (run.dryRun ? paint.dim(' (dry run)') : ''),
        ago(run.startedAt),
        run.durationMs === undefined ? '' : duration(run.durationMs),
        n(c.queried),
        `+${n(c.added)} ~${n(c.changed)} -${n(c.removed)}`,
        n(sumOf(c.succeeded)),
        n(sumOf(c.rejected)),
        n(invalidTotal(c)),
      ]
    })
    process.stdout.write(
      `${table(['run', 'sync', 'status', 'started', 'took', 'queried', 'changes', 'succeeded', 'rejected', 'invalid'], rows)}\n`,
    )
    return EXIT.ok
  } finally {
    await ledger.close()
  }
}
