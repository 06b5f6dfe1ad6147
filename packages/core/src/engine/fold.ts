import type { TrackingSink } from '../run.js'
import { decodeEntries, mergeEntries } from './journal.js'
import type { DiffSession, StateStore } from './state.js'

/**
 * Folds what killed runs left in the acknowledgement journal into the snapshot, before this run
 * diffs: each segment's tracking batch is written under the killed run's id with the segment's batch
 * number (the lake replaces a batch file of the same name, so folding twice writes it once), then its
 * delta is committed, then the segment is dropped. A crash in between folds it again, with the same
 * result. Resolves to the number of acknowledged records folded.
 */
export async function foldJournals(
  state: StateStore,
  session: DiffSession,
  tracking: TrackingSink | undefined,
  track: { org: string; sync: string },
): Promise<number> {
  const left = await state.journal(track.sync).left()
  // Oldest run first: a later run's acknowledgement of a row wins over an earlier one.
  left.sort((a, b) => (a.runId === b.runId ? a.segment - b.segment : a.runId < b.runId ? -1 : 1))
  let folded = 0
  for (const { runId, segment, lines } of left) {
    const { delta, batch } = mergeEntries(decodeEntries(lines), { ...track, runId, batchNumber: segment })
    if (batch && tracking) await tracking.write(batch)
    await session.commit(delta)
    await state.journal(track.sync).drop(runId, segment)
    folded += delta.put.length + delta.remove.length + delta.reject.length
  }
  return folded
}
