import { type ConfigIssue, isConfigError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, toJson } from '../output/format.js'
import { connectorContext } from '../project/connect.js'
import { onlineIssues } from '../project/online-checks.js'
import { openProject } from '../project/project.js'

export default async function run({ global, values }: CommandInput): Promise<number> {
  const paint = paintFor(process.stdout)
  try {
    const project = await openProject(global)
    const r = project.resolved
    const issues = Object.values(r.unavailable).flat()
    if (values.online === true && issues.length === 0) {
      issues.push(...(await onlineIssues(project, connectorContext(AbortSignal.timeout(120_000)))))
    }
    if (issues.length > 0) return report(issues, global.json, paint)
    // Text meant for the environment that will be sent as written, secrets typed into the file: valid,
    // but said out loud.
    const warnings = r.warnings
    if (global.json) {
      process.stdout.write(
        `${toJson({ valid: true, file: project.displayFile, issues: [], warnings: warnings.map((w) => ({ file: project.displayFile, ...w })) })}\n`,
      )
      return EXIT.ok
    }
    const count = (record: object, word: string) => {
      const size = Object.keys(record).length
      return `${size} ${word}${size === 1 ? '' : 's'}`
    }
    process.stdout.write(
      `${paint.green('✔')} ${project.displayFile} is valid: ${count(r.sources, 'source')}, ${count(r.destinations, 'destination')}, ${count(r.models, 'model')}, ${count(r.syncs, 'sync')}\n`,
    )
    for (const warning of warnings) {
      process.stdout.write(
        `${paint.yellow('▲')} ${paint.bold(project.displayFile)}  ${paint.cyan(warning.path)}\n      ${warning.message}\n`,
      )
    }
    return EXIT.ok
  } catch (error) {
    if (!isConfigError(error)) throw error
    return report(error.issues, global.json, paint)
  }
}

function report(issues: readonly ConfigIssue[], json: boolean, paint: ReturnType<typeof paintFor>): number {
  if (json) {
    process.stdout.write(`${toJson({ valid: false, issues })}\n`)
    return EXIT.failed
  }
  const count = issues.length
  process.stdout.write(`${paint.red('✖')} ${count} problem${count === 1 ? '' : 's'} in the project config:\n`)
  for (const issue of issues) {
    process.stdout.write(`  ${paint.bold(issue.file)}  ${paint.cyan(issue.path || '(the whole file)')}\n`)
    process.stdout.write(`      expected ${issue.expected}, found ${issue.found}\n`)
  }
  return EXIT.failed
}
