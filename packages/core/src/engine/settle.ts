import type { Operation } from '../contract/records.js'
import { redact } from '../redact.js'
import type { TrackedRecord } from '../run.js'
import { stringifyExact } from './json.js'
import type { Outcome } from './send-request.js'
import type { SnapshotCommit } from './state.js'

/** The tracking message of a succeeded record that the destination may hold twice. */
export const POSSIBLY_DUPLICATED =
  'possibly duplicated: its request was sent again after an answer was lost, and the operation is not idempotent'

/**
 * What a commit group's answers change: succeeded rows enter (or, removed, leave) the snapshot,
 * rejected rows are kept aside with the time they were first rejected with this data, invalid rows
 * change nothing, and every record becomes one row-level tracking entry.
 */
export function settleOutcomes(
  operation: Operation,
  outcomes: Outcome[],
  now: Date,
  track: boolean,
): { delta: SnapshotCommit; tracked: TrackedRecord[] } {
  const delta: SnapshotCommit = { put: [], remove: [], reject: [] }
  const tracked: TrackedRecord[] = []
  for (const { item, result } of outcomes) {
    const { change, record, payloadJson } = item
    const identifier = change.identifier as string
    if (result.status === 'succeeded') {
      if (change.kind === 'removed') delta.remove.push(identifier)
      else delta.put.push({ identifier, hash: change.hash })
    } else if (result.status === 'rejected') {
      const firstRejectedAt = change.rejected?.hash === change.hash ? change.rejected.at : now
      delta.reject.push({ identifier, hash: change.hash, firstRejectedAt })
    }
    if (!track) continue
    tracked.push({
      identifier,
      payload: payloadJson ?? stringifyExact(record.fields),
      operation,
      status: result.status,
      message:
        result.status === 'succeeded'
          ? result.possiblyDuplicated
            ? POSSIBLY_DUPLICATED
            : null
          : redact(result.reason),
      hash: change.hash,
    })
  }
  return { delta, tracked }
}
