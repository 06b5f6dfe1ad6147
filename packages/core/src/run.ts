import type { Operation } from './contract/records.js'

/** A run's life: pending → querying → preparing → queued → in_progress → one of the final statuses. */
export const RUN_STATUSES = [
  'pending',
  'querying',
  'preparing',
  'queued',
  'in_progress',
  'succeeded',
  'partially_succeeded',
  'failed',
  'incomplete',
  'cancelled',
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'succeeded',
  'partially_succeeded',
  'failed',
  'incomplete',
  'cancelled',
])

/** How a run treats the snapshot. */
export type RunMode =
  /** send what changed since the snapshot */
  | 'incremental'
  /** every current row as added, nothing removed */
  | 'full_resync'
  /** record the current rows as the snapshot, send nothing */
  | 'reset_cdc'

export type PerOperation = Partial<Record<Operation, number>>

export interface RunCounts {
  /** rows the model returned */
  queried: number
  /** rows never sent: NULL identifier, DUPLICATE identifier, the connector's own validation */
  invalid: { null: number; duplicate: number; other: number }
  added: number
  changed: number
  removed: number
  unchanged: number
  /** rows whose earlier rejection is older than the retry age: reported, not retried */
  expired: number
  /**
   * changed or removed rows the behaviour deliberately does not send (a create sync's changed rows,
   * an upsert sync's removed rows): counted, so nothing is dropped without a word
   */
  skipped: number
  succeeded: PerOperation
  rejected: PerOperation
  /** succeeded records of a non-idempotent operation sent again after a lost answer (see RecordResult) */
  possiblyDuplicated?: number
}

export function emptyCounts(): RunCounts {
  return {
    queried: 0,
    invalid: { null: 0, duplicate: 0, other: 0 },
    added: 0,
    changed: 0,
    removed: 0,
    unchanged: 0,
    expired: 0,
    skipped: 0,
    succeeded: {},
    rejected: {},
  }
}

/** One run as the ledger keeps it. Times are ISO-8601 strings. */
export interface RunRecord {
  id: string
  sync: string
  status: RunStatus
  mode: RunMode
  dryRun?: boolean
  startedAt: string
  endedAt?: string
  durationMs?: number
  counts: RunCounts
  /** the run-level error, already redacted */
  error?: { category: string; code: string; message: string }
  /** the process running it, so a second process can tell a live run from a dead one */
  pid?: number
  host?: string
}

/** Row statuses in the tracking lake. */
export const TRACKING_STATUSES = ['succeeded', 'rejected', 'NULL', 'DUPLICATE', 'invalid'] as const
export type TrackingStatus = (typeof TRACKING_STATUSES)[number]

/** One row's fate in one run. */
export interface TrackedRecord {
  /** null for a NULL identifier */
  identifier: string | null
  /** the mapped payload as JSON text (what was, or would have been, sent) */
  payload: string
  /** null for rows that never got as far as an operation */
  operation: Operation | null
  status: TrackingStatus
  /** the destination's reason for a rejection, the reason a row is invalid; null when it succeeded */
  message: string | null
  /** the row's hash; null when it has none */
  hash: string | null
}

/**
 * A batch of tracked rows. The lake writes one file per batch:
 * `<lake>/sync_tracking_datasets/<org>/<sync>/<run>/<batchType>.<batchNumber>.parquet`.
 */
export interface TrackingBatch {
  org: string
  sync: string
  runId: string
  /** the operation for sent rows, or `invalid` for rows filtered before sending */
  batchType: Operation | 'invalid'
  batchNumber: number
  startedAt: Date
  endedAt: Date
  records: TrackedRecord[]
}

/** Where the engine writes row-level results. `@sluice/tracking` implements it over the parquet lake. */
export interface TrackingSink {
  /** writes one batch; it is visible to readers when this resolves */
  write(batch: TrackingBatch): Promise<void>
  /** called once when a run ends (purge, warehouse logs) */
  runFinished?(run: RunRecord): Promise<void>
}
