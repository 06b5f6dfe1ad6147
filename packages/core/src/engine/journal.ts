import type { Operation } from '../contract/records.js'
import type { TrackedRecord, TrackingBatch } from '../run.js'
import type { AckJournal, SnapshotCommit } from './state.js'

/**
 * The acknowledgement journal: every answered request's outcomes are appended (and made durable by
 * the store) as soon as the answer is in, so a crash loses no acknowledgement and the next run resends
 * at most the requests that were in flight. A commit group is one segment: once the group's tracking
 * batch and snapshot delta are committed, its segment is dropped, so a journal holds at most the
 * groups still open. The next run folds what a killed run left (`fold.ts`).
 */

/** One answered request, as a journal line. */
export interface JournalEntry {
  batchType: Operation
  startedAt: Date
  endedAt: Date
  delta: SnapshotCommit
  tracked: TrackedRecord[]
}

export function encodeEntry(entry: JournalEntry): string {
  // The payloads inside `tracked` are JSON text already (exact integers kept), so plain JSON is exact.
  return JSON.stringify(entry)
}

/**
 * The entries of one segment. A last line that does not parse is a torn append whose `append` never
 * resolved: nothing relied on it, and the request it held is sent again.
 */
export function decodeEntries(lines: readonly string[]): JournalEntry[] {
  const entries: JournalEntry[] = []
  lines.forEach((line, i) => {
    let raw: JournalEntry
    try {
      raw = JSON.parse(line) as JournalEntry
    } catch (error) {
      if (i === lines.length - 1) return
      throw error
    }
    entries.push({
      ...raw,
      startedAt: new Date(raw.startedAt),
      endedAt: new Date(raw.endedAt),
      delta: {
        put: raw.delta.put,
        remove: raw.delta.remove,
        reject: raw.delta.reject.map((r) => ({ ...r, firstRejectedAt: new Date(r.firstRejectedAt) })),
      },
    })
  })
  return entries
}

/** The snapshot delta and tracking batch of a segment's entries, in order. */
export function mergeEntries(
  entries: readonly JournalEntry[],
  batch: Pick<TrackingBatch, 'org' | 'sync' | 'runId' | 'batchNumber'>,
): { delta: SnapshotCommit; batch: TrackingBatch | undefined } {
  const delta: SnapshotCommit = { put: [], remove: [], reject: [] }
  const records: TrackedRecord[] = []
  for (const entry of entries) {
    for (const put of entry.delta.put) delta.put.push(put)
    for (const removed of entry.delta.remove) delta.remove.push(removed)
    for (const rejected of entry.delta.reject) delta.reject.push(rejected)
    for (const record of entry.tracked) records.push(record)
  }
  const first = entries[0]
  if (first === undefined || records.length === 0) return { delta, batch: undefined }
  let startedAt = first.startedAt
  let endedAt = first.endedAt
  for (const entry of entries) {
    if (entry.startedAt < startedAt) startedAt = entry.startedAt
    if (entry.endedAt > endedAt) endedAt = entry.endedAt
  }
  return { delta, batch: { ...batch, batchType: first.batchType, startedAt, endedAt, records } }
}

/**
 * Appends to a run's journal, coalescing: entries that arrive while an append is being made durable
 * go together in the next one, so the store syncs once per round, not once per request, and an entry
 * is durable at most two rounds after it is recorded.
 */
export class JournalWriter {
  private pending = new Map<number, { lines: string[]; waiters: Array<(e?: unknown) => void> }>()
  private flushing: Promise<void> | undefined

  constructor(
    private readonly journal: AckJournal,
    private readonly runId: string,
  ) {}

  /** resolves once the entry is durable */
  record(segment: number, entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = this.pending.get(segment)
      if (!waiting) {
        waiting = { lines: [], waiters: [] }
        this.pending.set(segment, waiting)
      }
      waiting.lines.push(encodeEntry(entry))
      waiting.waiters.push((error) => (error === undefined ? resolve() : reject(error)))
      this.flushing ??= this.flush()
    })
  }

  /** the segment's acknowledgements are committed: it is no longer needed */
  drop(segment: number): Promise<void> {
    return this.journal.drop(this.runId, segment)
  }

  /** every append has been answered: let go of what the store keeps open */
  async close(): Promise<void> {
    await this.flushing
    await this.journal.close?.()
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const round = this.pending
      this.pending = new Map()
      await Promise.all(
        [...round].map(async ([segment, { lines, waiters }]) => {
          let failure: unknown
          try {
            await this.journal.append(this.runId, segment, lines)
          } catch (error) {
            failure = error ?? new Error('the journal append failed')
          }
          for (const done of waiters) done(failure)
        }),
      )
    }
    this.flushing = undefined
  }
}
