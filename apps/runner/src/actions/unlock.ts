import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, toJson } from '../output/format.js'
import { openProject, requireSync } from '../project/project.js'
import { openState } from '../project/state.js'

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  // Unlocking touches only the state: no connector, no credential.
  const project = await openProject(global, { connect: false })
  const sync = requireSync(project, positionals[0]!).name
  const paint = paintFor(process.stderr)
  if (values.yes !== true) {
    process.stderr.write(
      `${paint.yellow('⚠')} Unlocking ${sync} lets a new run start even if the run holding the lock is still alive ` +
        '(on another machine or in a container): two runs would then send the same rows at once.\n' +
        `Check that it is gone, then run "sluice unlock ${sync} --yes".\n`,
    )
    return EXIT.failed
  }
  const store = await openState(project)
  try {
    // Postgres holds a run's lock in the run's own database session: it ends when that session does.
    if (!('unlock' in store) || typeof store.unlock !== 'function') {
      process.stderr.write(
        `${sync}: with the postgres state backend a run's lock is released when its database session ends; nothing to unlock here.\n`,
      )
      return EXIT.failed
    }
    const removed = (await store.unlock(sync)) as { runId: string; pid: number; host: string } | undefined
    if (global.json) {
      process.stdout.write(`${toJson({ sync, unlocked: removed ? removed.runId : null })}\n`)
      return EXIT.ok
    }
    const out = paintFor(process.stdout)
    process.stdout.write(
      removed
        ? `${out.green('✔')} ${sync}: lock of run ${removed.runId} (pid ${removed.pid} on ${removed.host}) removed; that run is recorded as incomplete.\n`
        : `${sync} was not locked: nothing to do.\n`,
    )
    return EXIT.ok
  } finally {
    await store.close()
  }
}
