import { DEFAULTS } from '../defaults.js'
import type { RowMapper } from '../mapping/mapper.js'
import type { PerOperation, RunCounts } from '../run.js'
import { planChange } from './plan.js'
import type { DiffSession } from './state.js'
import type { RunSyncOptions, RunSyncResult } from './types.js'

/** A dry run's plan: how many records each operation would send, and the first few as they would be sent. */
export async function dryRunPlan(
  options: RunSyncOptions,
  session: DiffSession,
  mapper: RowMapper,
  signal: AbortSignal,
  counts: RunCounts,
): Promise<Pick<RunSyncResult, 'planned' | 'preview'>> {
  const planned: PerOperation = {}
  const preview: NonNullable<RunSyncResult['preview']> = []
  const limit = options.previewSize ?? DEFAULTS.previewSize
  for (const kinds of [['added', 'changed'], ['removed']] as const) {
    for await (const chunk of session.changes(kinds)) {
      if (signal.aborted) return { planned, preview }
      for (const change of chunk) {
        const plan = planChange(change, options.sync, mapper)
        if (plan.record === undefined) {
          counts.skipped++
          continue
        }
        if (plan.invalid !== undefined) {
          // a run would track it invalid, never send it
          counts.invalid.other++
          continue
        }
        planned[plan.step] = (planned[plan.step] ?? 0) + 1
        if (preview.length < limit) preview.push({ operation: plan.step, record: plan.record })
      }
    }
  }
  return { planned, preview }
}
