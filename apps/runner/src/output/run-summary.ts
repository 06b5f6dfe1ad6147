import type { PerOperation, RunCounts, RunRecord, RunStatus } from '@sluice/core'
import { duration, n, type Paint } from './format.js'

export const sumOf = (perOperation: PerOperation) =>
  Object.values(perOperation).reduce((total, count) => total + (count ?? 0), 0)

export const invalidTotal = (counts: RunCounts) =>
  counts.invalid.null + counts.invalid.duplicate + counts.invalid.other

/** The id of a run that never started (the sync was locked, a connector did not load). */
export const NOT_STARTED = '-'

/** The one JSON object per run that `--json` prints: stable keys for orchestrators. */
export function runJson(run: RunRecord) {
  const c = run.counts
  return {
    runId: run.id === NOT_STARTED ? null : run.id,
    sync: run.sync,
    status: run.status,
    mode: run.mode,
    dryRun: run.dryRun ?? false,
    startedAt: run.startedAt,
    endedAt: run.endedAt ?? null,
    durationMs: run.durationMs ?? null,
    counts: {
      queried: c.queried,
      invalid: invalidTotal(c),
      added: c.added,
      changed: c.changed,
      removed: c.removed,
      unchanged: c.unchanged,
      succeeded: sumOf(c.succeeded),
      rejected: sumOf(c.rejected),
      expired: c.expired,
      possiblyDuplicated: c.possiblyDuplicated ?? 0,
      skipped: c.skipped ?? 0,
      invalidByReason: c.invalid,
      succeededByOperation: c.succeeded,
      rejectedByOperation: c.rejected,
    },
    error: run.error ?? null,
  }
}

export function statusText(status: RunStatus, paint: Paint): string {
  const label = status.replace('_', ' ')
  if (status === 'succeeded') return paint.green(label)
  if (status === 'partially_succeeded') return paint.yellow(label)
  if (status === 'failed' || status === 'cancelled' || status === 'incomplete') return paint.red(label)
  return paint.cyan(label)
}

export function statusMark(status: RunStatus, paint: Paint): string {
  if (status === 'succeeded') return paint.green('✔')
  if (status === 'partially_succeeded') return paint.yellow('▲')
  if (status === 'failed' || status === 'incomplete') return paint.red('✖')
  if (status === 'cancelled') return paint.red('■')
  return paint.cyan('…')
}

const perOperation = (counts: PerOperation) => {
  const parts = Object.entries(counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([operation, count]) => `${operation} ${n(count ?? 0)}`)
  return parts.length > 0 ? ` (${parts.join(', ')})` : ''
}

/** A finished run in a few lines: what happened, and where to look next. */
export function summaryLines(run: RunRecord, paint: Paint): string[] {
  const c = run.counts
  const took = run.durationMs === undefined || run.id === NOT_STARTED ? '' : ` in ${duration(run.durationMs)}`
  const mode = run.mode === 'incremental' ? '' : ` · ${run.mode.replace('_', ' ')}`
  const dry = run.dryRun ? ' · dry run: nothing sent, nothing committed' : ''
  const lines = [
    `${statusMark(run.status, paint)} ${paint.bold(run.sync)}  ${statusText(run.status, paint)}${took}  ${paint.dim(run.id === NOT_STARTED ? 'did not start' : `run ${run.id}${mode}${dry}`)}`,
  ]
  if (run.id === NOT_STARTED)
    return [...lines, `    ${paint.red(`error: ${run.error?.message ?? 'unknown'}`)}`]
  const invalid = invalidTotal(c)
  const invalidDetail =
    invalid > 0
      ? ` (NULL ${n(c.invalid.null)}, DUPLICATE ${n(c.invalid.duplicate)}, other ${n(c.invalid.other)})`
      : ''
  lines.push(`    queried ${n(c.queried)} · invalid ${n(invalid)}${invalidDetail}`)
  lines.push(
    `    added ${n(c.added)} · changed ${n(c.changed)} · removed ${n(c.removed)} · unchanged ${n(c.unchanged)}`,
  )
  if (!run.dryRun) {
    const rejected = sumOf(c.rejected)
    const rejectedText = `rejected ${n(rejected)}${perOperation(c.rejected)}`
    lines.push(
      `    succeeded ${n(sumOf(c.succeeded))}${perOperation(c.succeeded)} · ${rejected > 0 ? paint.yellow(rejectedText) : rejectedText}`,
    )
  }
  if (c.possiblyDuplicated)
    lines.push(
      `    ${n(c.possiblyDuplicated)} appended records are possibly duplicated: their request was sent again after its answer was lost`,
    )
  if ((c.skipped ?? 0) > 0)
    lines.push(
      `    skipped ${n(c.skipped)} changed or removed rows that the sync's behaviour does not send (kept as seen)`,
    )
  if (c.expired > 0)
    lines.push(`    ${n(c.expired)} earlier rejections are past the retry age and no longer retried`)
  // a cancelled run's "error" only repeats its status
  if (run.error && run.error.category !== 'cancelled')
    lines.push(`    ${paint.red(`error: ${run.error.message}`)}`)
  return lines
}
