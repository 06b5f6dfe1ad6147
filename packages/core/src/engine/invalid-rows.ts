import type { TrackedRecord } from '../run.js'
import type { DiffSession } from './state.js'
import type { RunSyncOptions } from './types.js'

/** NULL and DUPLICATE rows go to tracking as `invalid` batches, never to the destination. */
export async function trackInvalid(
  options: RunSyncOptions,
  session: DiffSession,
  track: { org: string; sync: string; runId: string },
  nextBatchNumber: () => number,
  size: number,
  now: () => Date,
): Promise<void> {
  const tracking = options.tracking
  if (!tracking) return
  let records: TrackedRecord[] = []
  let startedAt = now()
  const flush = async () => {
    if (records.length === 0) return
    const batch = {
      ...track,
      batchType: 'invalid' as const,
      batchNumber: nextBatchNumber(),
      startedAt,
      endedAt: now(),
      records,
    }
    records = []
    startedAt = now()
    await tracking.write(batch)
  }
  for await (const chunk of session.changes(['null', 'duplicate'])) {
    for (const change of chunk) {
      records.push({
        identifier: change.identifier,
        payload: change.payload ?? '{}',
        operation: null,
        status: change.kind === 'null' ? 'NULL' : 'DUPLICATE',
        message:
          change.kind === 'null'
            ? `the identifier column "${options.sync.identifier.column}" is NULL`
            : `the identifier "${change.identifier}" appears in ${change.occurrences ?? 'several'} rows`,
        hash: change.hash,
      })
      if (records.length >= size) await flush()
    }
  }
  await flush()
}
