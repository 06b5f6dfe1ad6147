import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { ago, paintFor, table, toJson } from '../output/format.js'
import { openProject } from '../project/project.js'
import { openLedger, type SyncHealth } from '../project/state.js'

export default async function run({ global }: CommandInput): Promise<number> {
  const project = await openProject(global, { connect: false })
  const ledger = await openLedger(project)
  try {
    const overview = await ledger.overview()
    if (global.json) {
      process.stdout.write(`${toJson(overview)}\n`)
      return EXIT.ok
    }
    const paint = paintFor(process.stdout)
    const health = (h: SyncHealth) =>
      h === 'healthy'
        ? paint.green(h)
        : h === 'failed'
          ? paint.red(h)
          : h === 'partially_succeeded'
            ? paint.yellow('partially succeeded')
            : h === 'in_progress'
              ? paint.cyan('in progress')
              : paint.dim(h)
    const rows = overview.map((s) => [
      paint.bold(s.sync),
      health(s.health),
      s.model,
      `${s.destination} ${paint.dim(`(${s.object})`)}`,
      s.lastRun ? `${ago(s.lastRun.startedAt)} ${paint.dim(s.lastRun.id)}` : paint.dim('never'),
    ])
    process.stdout.write(`${table(['sync', 'health', 'model', 'destination', 'last run'], rows)}\n`)
    return EXIT.ok
  } finally {
    await ledger.close()
  }
}
