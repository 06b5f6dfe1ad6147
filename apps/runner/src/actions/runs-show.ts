import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { n, paintFor, toJson } from '../output/format.js'
import { runJson, summaryLines } from '../output/run-summary.js'
import { runReport } from '../project/history.js'
import { openLake } from '../project/lake.js'
import { openProject } from '../project/project.js'
import { readRun } from '../project/state.js'

export default async function run({ positionals, global }: CommandInput): Promise<number> {
  const project = await openProject(global, { connect: false })
  const run = await readRun(project, positionals[0]!)
  const lake = openLake(project)
  try {
    const { tracking, purged, reasons } = await runReport(lake, run)
    if (global.json) {
      process.stdout.write(`${toJson({ ...runJson(run), tracking, reasons }, 2)}\n`)
      return EXIT.ok
    }
    const paint = paintFor(process.stdout)
    const lines = summaryLines(run, paint)
    lines.push(`    started ${run.startedAt}${run.endedAt ? ` · ended ${run.endedAt}` : ''}`)
    if (purged) {
      lines.push(
        `    ${paint.dim(`row-level tracking for this run was removed by retention (on ${purged.purgedAt}, after ${purged.retentionDays} days).`)}`,
      )
    } else if (reasons.length > 0) {
      lines.push('', paint.bold('Top reasons rows did not make it:'))
      for (const reason of reasons.slice(0, 10)) {
        lines.push(
          `  ${paint.yellow(n(reason.count).padStart(7))}  ${reason.status.padEnd(9)} ${(reason.count === 1 ? reason.message : readable(reason.reason)) ?? '(no message)'}`,
        )
        if (reason.identifiers.length > 0) {
          lines.push(`           ${paint.dim(`e.g. ${[...new Set(reason.identifiers)].join(', ')}`)}`)
        }
      }
      lines.push(
        '',
        paint.dim(`sluice records ${run.id} --status rejected --sample   a sample with payloads`),
        paint.dim(`sluice records ${run.id} --export rejected.csv        every row, as CSV`),
      )
    }
    process.stdout.write(`${lines.join('\n')}\n`)
    return EXIT.ok
  } finally {
    await lake.close()
  }
}

/**
 * A reason shared by several rows, as a reader takes it: the parts that differ from row to row (the
 * lake keeps them as `{identifier}` and `{value}`) shown as "…", with examples on the next line.
 */
function readable(template: string | null | undefined): string | null | undefined {
  return template?.replace(/\{(identifier|value)\}/g, '…')
}
