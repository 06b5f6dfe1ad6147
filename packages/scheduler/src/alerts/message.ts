import { type RunRecord, redact } from '@sluice/core'
import { type AlertEvent, rejectedRate } from './rules.js'

/** A reason rows did not make it, as the tracking lake groups them. */
export interface AlertReason {
  status: string
  message: string | null
  count: number
}

/**
 * The JSON body a webhook receives (documented in the package README). Every text in it has passed
 * through `redact`, so no credential the project resolved can appear.
 */
export interface AlertMessage {
  /** `failed`, `partially_succeeded`, `rejected_rate` or `recovered` */
  event: AlertEvent
  project: string
  sync: string
  run: {
    id: string
    status: string
    mode: string
    startedAt: string
    endedAt: string | null
    durationMs: number | null
    /** a link to the run in `sluice serve`'s API, when it is served */
    url: string | null
  }
  counts: {
    queried: number
    added: number
    changed: number
    removed: number
    succeeded: number
    rejected: number
    invalid: number
  }
  /** rows rejected or invalid, over rows handled, 0 to 1 */
  rejectedRate: number
  /** the rejected_rate alert's threshold */
  threshold: number | null
  error: { category: string; code: string; message: string } | null
  /** the most common reasons rows were rejected or invalid, most frequent first */
  topReasons: AlertReason[]
  /** one line for people */
  summary: string
}

const total = (values: Partial<Record<string, number>>) =>
  Object.values(values).reduce<number>((sum, value) => sum + (value ?? 0), 0)

export function alertMessage(input: {
  event: AlertEvent
  project: string
  run: RunRecord
  threshold?: number
  reasons?: readonly AlertReason[]
  runUrl?: string
}): AlertMessage {
  const { run, event } = input
  const c = run.counts
  const counts = {
    queried: c.queried,
    added: c.added,
    changed: c.changed,
    removed: c.removed,
    succeeded: total(c.succeeded),
    rejected: total(c.rejected),
    invalid: c.invalid.null + c.invalid.duplicate + c.invalid.other,
  }
  const rate = rejectedRate(run)
  return {
    event,
    project: input.project,
    sync: run.sync,
    run: {
      id: run.id,
      status: run.status,
      mode: run.mode,
      startedAt: run.startedAt,
      endedAt: run.endedAt ?? null,
      durationMs: run.durationMs ?? null,
      url: input.runUrl ?? null,
    },
    counts,
    rejectedRate: Math.round(rate * 10_000) / 10_000,
    threshold: input.threshold ?? null,
    error: run.error
      ? { category: run.error.category, code: run.error.code, message: redact(run.error.message) }
      : null,
    topReasons: (input.reasons ?? []).slice(0, 5).map((reason) => ({
      status: reason.status,
      message: reason.message === null ? null : redact(reason.message),
      count: reason.count,
    })),
    summary: redact(summaryLine(event, run.sync, run, rate, input.threshold)),
  }
}

function summaryLine(
  event: AlertEvent,
  sync: string,
  run: RunRecord,
  rate: number,
  threshold: number | undefined,
): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`
  switch (event) {
    case 'failed':
      return `Sync ${sync} failed: ${run.error?.message ?? 'no error message'}`
    case 'partially_succeeded':
      return `Sync ${sync} partially succeeded: some rows were rejected or invalid`
    case 'rejected_rate':
      return `Sync ${sync} rejected ${percent(rate)} of its rows (threshold ${percent(threshold ?? 0)})`
    case 'recovered':
      return `Sync ${sync} recovered: run ${run.id} ${run.status.replace('_', ' ')}`
  }
}
