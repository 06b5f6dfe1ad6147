import { EXIT } from '../exit-codes.js'
import { defineCommand } from '../framework/spec.js'
import { paintFor, toJson } from '../output/format.js'
import { executeSync } from '../project/execute.js'
import { openProject, requireSync } from '../project/project.js'
import { openLedger } from '../project/state.js'

export default defineCommand({
  name: 'reset',
  summary: "reset a sync's state: a full resync next time, or --cdc to start from now",
  usage: '<sync> [options]',
  description:
    'Without --cdc: forgets what the destination acknowledged (the snapshot and the cursor), so the next run ' +
    'sends every row as added, as a first run does. With --cdc: reads the model now and records its rows as ' +
    'synced without sending anything, so only later changes are sent (a run in reset_cdc mode). Run history ' +
    'and tracking are kept. Refused while the sync is running.',
  options: {
    cdc: { type: 'boolean', description: 'start change tracking from the current rows instead' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['sluice reset customers_to_braze', 'sluice reset customers_to_braze --cdc'],
  async run({ positionals, values, global }) {
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
  },
})
