import { isSluiceError } from '@sluice/core'
import { UsageError } from '../framework/usage-error.js'
import type { Paint } from './format.js'

/** A config error's issues as core reports them: where, and what was expected instead of what. */
interface ConfigIssue {
  file?: string
  path?: string
  expected?: string
  found?: string
  message?: string
}

function issuesOf(error: unknown): ConfigIssue[] {
  const issues = (error as { issues?: unknown }).issues
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : []
}

/** One issue on one line: `sluice.config.ts  syncs.a.behaviour  expected …, found …`. */
export function issueLine(issue: ConfigIssue): string {
  const where = [issue.file, issue.path].filter(Boolean).join('  ')
  const what =
    issue.message ??
    [issue.expected && `expected ${issue.expected}`, issue.found && `found ${issue.found}`]
      .filter(Boolean)
      .join(', ')
  return `${where}${where && what ? '  ' : ''}${what}`
}

/** An error as the user should read it: the message, its config issues, and a stack only when debugging. */
export function describeError(error: unknown, paint: Paint): string {
  const lines: string[] = []
  if (error instanceof UsageError) {
    lines.push(paint.red(error.message))
  } else if (isSluiceError(error)) {
    lines.push(paint.red(error.message))
    // A config error's message already lists its issues; other errors may carry them only as data.
    for (const issue of issuesOf(error)) {
      if (!issue.message || !error.message.includes(issue.message)) lines.push(`  ${issueLine(issue)}`)
    }
  } else if (error instanceof Error) {
    lines.push(paint.red(`[sluice] unexpected error: ${error.message}`))
  } else {
    lines.push(paint.red(`[sluice] unexpected error: ${String(error)}`))
  }
  if (process.env.SLUICE_DEBUG && error instanceof Error && error.stack) lines.push(paint.dim(error.stack))
  return lines.join('\n')
}
