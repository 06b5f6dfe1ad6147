import type { SyncConfig } from '../config/schema.js'
import { SluiceError } from '../errors.js'
import { planStep } from './plan.js'
import type { DiffSummary } from './state.js'

/**
 * Stops a run whose changes are out of proportion before anything is sent: a model that suddenly
 * returns no rows (a broken upstream job, a wrong filter) would otherwise make a mirror delete every
 * record it ever synced. Limits are a count (`500`) or a share of the synced records (`"10%"`).
 * `--force` runs it anyway.
 */
export function safeguardTrip(
  sync: Pick<SyncConfig, 'behaviour' | 'deleteBehaviour' | 'safeguards'>,
  summary: DiffSummary,
): SluiceError | undefined {
  const synced = summary.unchanged + summary.changed + summary.removed
  const sendsRemovals =
    summary.removed > 0 &&
    !['forget', 'accept'].includes(planStep(sync.behaviour, 'removed', sync.deleteBehaviour))
  const guards = sync.safeguards ?? {}
  const stop = (what: string, hint: string) =>
    new SluiceError('config', `safeguard: ${what}; nothing was sent.`, {
      code: 'SAFEGUARD_TRIPPED',
      hint: `${hint} Run with --force to send it anyway.`,
    })

  if (sendsRemovals && summary.staged === 0 && guards.allowEmptyModel !== true) {
    return stop(
      `the model returned no rows, so this run would remove all ${summary.removed.toLocaleString('en-US')} synced records`,
      'Check the model and its source; set safeguards.allowEmptyModel: true if an empty model is expected.',
    )
  }
  const over = (limit: number | string | undefined, count: number) => {
    if (limit === undefined) return undefined
    const allowed = typeof limit === 'number' ? limit : Math.floor((Number.parseFloat(limit) / 100) * synced)
    return count > allowed
      ? `${count.toLocaleString('en-US')} of ${synced.toLocaleString('en-US')} synced records, more than the limit of ${typeof limit === 'number' ? limit.toLocaleString('en-US') : `${limit} (${allowed.toLocaleString('en-US')})`}`
      : undefined
  }
  const removed = sendsRemovals ? over(guards.maxRemoved, summary.removed) : undefined
  if (removed)
    return stop(
      `this run would remove ${removed}`,
      'Check the model; raise safeguards.maxRemoved if this is expected.',
    )
  const changed = over(guards.maxChanged, summary.changed)
  if (changed)
    return stop(
      `this run would change ${changed}`,
      'Check the model; raise safeguards.maxChanged if this is expected.',
    )
  return undefined
}
