import type { RowMapper } from '../mapping/mapper.js'
import type { PerOperation, RunCounts } from '../run.js'
import { outbound } from './outbound.js'
import { planStep } from './plan.js'
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
  const limit = options.previewSize ?? 5
  for (const kinds of [['added', 'changed'], ['removed']] as const) {
    for await (const chunk of session.changes(kinds)) {
      if (signal.aborted) return { planned, preview }
      for (const change of chunk) {
        const step = planStep(options.sync.behaviour, change.kind as 'added', options.sync.deleteBehaviour)
        if (step === 'accept' || step === 'forget') {
          counts.skipped++
          continue
        }
        planned[step] = (planned[step] ?? 0) + 1
        if (preview.length < limit)
          preview.push({
            operation: step,
            record: outbound(change, step, mapper, options.sync.identifier.field),
          })
      }
    }
  }
  return { planned, preview }
}
