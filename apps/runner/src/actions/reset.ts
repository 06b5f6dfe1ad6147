import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, toJson } from '../output/format.js'
import { executeSync } from '../project/execute.js'
import { openProject, requireSync } from '../project/project.js'
import { openLedger } from '../project/state.js'

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const project = await openProject(global)
  const sync = requireSync(project, positionals[0]!).name
  const cdc = values.cdc === true
  if (cdc) {
    // Reset CDC reads the model to know the current rows: it is a run that sends nothing.
    const { run } = await executeSync(project, sync, {
      mode: 'reset_cdc',
      dryRun: false,
      signal: new AbortController().signal,
    })
    // Invalid rows make it a partial success; they are left out of the snapshot either way.
    if (run.status !== 'succeeded' && run.status !== 'partially_succeeded') {
      process.stderr.write(`${run.error?.message ?? `the reset ended ${run.status}`}\n`)
      return EXIT.failed
    }
  } else {
    const ledger = await openLedger(project)
    try {
      await ledger.reset(sync)
    } finally {
      await ledger.close()
    }
  }
  if (global.json) {
    process.stdout.write(`${toJson({ sync, reset: cdc ? 'cdc' : 'full' })}\n`)
    return EXIT.ok
  }
  const paint = paintFor(process.stdout)
  process.stdout.write(
    cdc
      ? `${paint.green('✔')} ${sync}: change tracking restarts now: the current rows are recorded as synced, and only later changes will be sent.\n`
      : `${paint.green('✔')} ${sync}: state reset. The next run sends every row as added.\n`,
  )
  return EXIT.ok
}
