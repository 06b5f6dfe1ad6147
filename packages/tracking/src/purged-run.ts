import { SluiceError } from '@sluice/core/contract'
import type { RunLocation } from './layout.js'

/** What the lake remembers of a run whose files the retention removed. */
export interface PurgedRun extends RunLocation {
  /** when the purge removed the files (ISO-8601) */
  purgedAt: string
  /** the retention the purge applied */
  retentionDays: number
  /** when the run's last file was written (ISO-8601) */
  lastWriteAt: string
  files: number
  bytes: number
}

/**
 * Asking for the records of a purged run is an answer in its own right, not an empty result: the
 * rows existed and are gone because of the retention.
 */
export class RunPurgedError extends SluiceError {
  readonly purged: PurgedRun

  constructor(purged: PurgedRun) {
    super(
      'config',
      `The tracked records of run ${purged.runId} of sync ${purged.sync} were purged on ${purged.purgedAt}: ` +
        `tracking files are kept for ${purged.retentionDays} days.`,
      {
        component: 'tracking',
        code: 'RUN_PURGED',
        hint: 'Raise settings.retentionDays to keep them longer.',
        details: { ...purged },
      },
    )
    this.purged = purged
  }
}

export function isRunPurged(error: unknown): error is RunPurgedError {
  return error instanceof RunPurgedError
}
