import type { RunRecord } from '@sluice/core'

/** The events an alert reports. `recovered` is sent by every alert whose condition stops holding. */
export type AlertEvent = 'failed' | 'partially_succeeded' | 'rejected_rate' | 'recovered'

/** One alert of a sync, as the config gives it. */
export interface AlertRule {
  on: 'failed' | 'partially_succeeded' | 'rejected_rate'
  /** for rejected_rate: the share of rows (0 to 1) rejected or invalid above which it fires */
  threshold?: number
  webhook?: string
  slack?: string
  email?: string
}

const sum = (values: Partial<Record<string, number>>) =>
  Object.values(values).reduce<number>((total, value) => total + (value ?? 0), 0)

/** Rows the destination refused or that were invalid, over every row the run handled. */
export function rejectedRate(run: RunRecord): number {
  const c = run.counts
  const invalid = c.invalid.null + c.invalid.duplicate + c.invalid.other
  const rejected = sum(c.rejected)
  const handled = sum(c.succeeded) + rejected + invalid
  return handled === 0 ? 0 : (rejected + invalid) / handled
}

/** Whether a run says something about a sync's health: a finished, real run. */
export function countsForHealth(run: RunRecord): boolean {
  return (
    !run.dryRun &&
    (run.status === 'succeeded' || run.status === 'partially_succeeded' || run.status === 'failed')
  )
}

/** Whether the rule's condition holds for a run. */
export function holds(rule: AlertRule, run: RunRecord | undefined): boolean {
  if (!run) return false
  switch (rule.on) {
    case 'failed':
      return run.status === 'failed'
    case 'partially_succeeded':
      return run.status === 'partially_succeeded'
    case 'rejected_rate':
      return run.status !== 'failed' && rejectedRate(run) > (rule.threshold ?? 0)
  }
}

/**
 * The alerts a run raises, given the run before it that counts for health (from the ledger, so this
 * survives restarts). An alert fires when its condition starts to hold, and sends `recovered` when it
 * stops holding on a run that did not fail: one alert per change of health, never one per run.
 */
export function alertsForRun(
  rules: readonly AlertRule[],
  previous: RunRecord | undefined,
  current: RunRecord,
): Array<{ rule: AlertRule; event: AlertEvent }> {
  if (!countsForHealth(current)) return []
  const raised: Array<{ rule: AlertRule; event: AlertEvent }> = []
  for (const rule of rules) {
    const before = holds(rule, previous)
    const now = holds(rule, current)
    if (now && !before) raised.push({ rule, event: rule.on })
    else if (before && !now && current.status !== 'failed') raised.push({ rule, event: 'recovered' })
  }
  return raised
}
