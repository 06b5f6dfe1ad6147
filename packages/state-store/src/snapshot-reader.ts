import type { StateStore } from '@sluice/core'

/** One snapshot entry as a reader sees it. */
export interface SnapshotEntry {
  identifier: string
  /** the hash the destination last acknowledged; null when it never acknowledged the row */
  hash: string | null
  /** the last rejection, when the row is being retried */
  rejected?: { hash: string; at: Date }
}

/** A state store whose snapshots can be read (the CLI, tests): every backend is one. */
export interface InspectableStateStore extends StateStore {
  /** how many rows the snapshot holds, and how many are waiting to be retried (read-only, any time) */
  snapshotSummary(sync: string): Promise<{ rows: number; rejected: number }>
  /** the snapshot's entries, in identifier order (read-only, any time) */
  snapshotEntries(
    sync: string,
    options?: { identifiers?: readonly string[]; limit?: number },
  ): Promise<SnapshotEntry[]>
}
