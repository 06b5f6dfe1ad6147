import { type RunRecord, SluiceError } from '@sluice/core'
import type { RejectionGroup, RunTrackingState, TrackingLake } from '@sluice/tracking'

/**
 * What the read commands and `sluice serve`'s API both answer, in one place: a run with its row-level
 * tracking state and the top reasons rows did not make it.
 */
export interface RunReport {
  run: RunRecord
  tracking: RunTrackingState['state']
  /** when retention removed the run's rows */
  purged?: { purgedAt: string; retentionDays: number }
  reasons: RejectionGroup[]
}

export async function runReport(lake: TrackingLake, run: RunRecord, examples = 3): Promise<RunReport> {
  const tracking = await lake.runState({ sync: run.sync, runId: run.id })
  const reasons =
    tracking.state === 'present'
      ? await lake.rejectionSummary({ sync: run.sync, runId: run.id, examples })
      : []
  return {
    run,
    tracking: tracking.state,
    ...(tracking.state === 'purged'
      ? { purged: { purgedAt: tracking.purged.purgedAt, retentionDays: tracking.purged.retentionDays } }
      : {}),
    reasons,
  }
}

/** `30m`, `6h`, `2d`, `1w` or a date: the earliest start time to show. */
export function parseSince(text: string, now = Date.now()): Date {
  const relative = /^(\d+)(m|h|d|w)$/.exec(text)
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      relative[2] as 'm' | 'h' | 'd' | 'w'
    ]
    return new Date(now - Number(relative[1]) * unit)
  }
  const date = new Date(text)
  if (Number.isNaN(date.getTime())) {
    throw new SluiceError('config', `--since "${text}" is neither a duration (30m, 6h, 2d, 1w) nor a date.`, {
      code: 'BAD_USAGE',
    })
  }
  return date
}
