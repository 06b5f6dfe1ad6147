import { describe, expect, it } from 'vitest'
import type { ConnectorContext } from '../src/contract/destination.js'
import { CommitQueue } from '../src/engine/commit-queue.js'
import { type Outbound, sendRequest } from '../src/engine/send-request.js'
import { POSSIBLY_DUPLICATED, settleOutcomes } from '../src/engine/settle.js'
import type { Change, DiffSession, SnapshotCommit } from '../src/engine/state.js'
import { emptyCounts, type TrackingBatch, type TrackingSink } from '../src/run.js'
import { MemoryDestination } from '../src/testing/index.js'

const silentLog: ConnectorContext['log'] = { debug() {}, info() {}, warn() {}, error() {} }
const ctx: ConnectorContext = { signal: new AbortController().signal, log: silentLog }

function outbound(identifier: string, kind: Change['kind'] = 'added', invalid?: string): Outbound {
  const fields = { email: `${identifier}@example.com` }
  return {
    change: {
      kind,
      identifier,
      hash: `h-${identifier}`,
      payload: kind === 'removed' ? null : JSON.stringify(fields),
    },
    record: { identifier, fields },
    ...(invalid ? { invalid } : {}),
  }
}

describe('one request (sendRequest)', () => {
  it('sets aside records invalid as mapped or refused by validate, sends the rest and counts each answer', async () => {
    const destination = new MemoryDestination()
    destination.invalid = (r) => (r.identifier === 'b' ? 'email is not allowed here' : undefined)
    destination.reject = (r) => (r.identifier === 'c' ? 'no such list' : undefined)
    destination.duplicated = (r) => r.identifier === 'd'
    const counts = emptyCounts()
    const items = [
      outbound('a'),
      outbound('b'),
      outbound('c'),
      outbound('d'),
      outbound('e', 'added', 'not a number'),
    ]
    const outcomes = await sendRequest(
      { destination, object: 'contacts', identifierField: 'external_id' },
      'upsert',
      items,
      ctx,
      counts,
    )

    const byId = Object.fromEntries(outcomes.map((o) => [o.item.record.identifier, o.result]))
    expect(byId).toEqual({
      a: { status: 'succeeded' },
      b: { status: 'invalid', reason: 'email is not allowed here' },
      c: { status: 'rejected', reason: 'no such list' },
      d: { status: 'succeeded', possiblyDuplicated: true },
      e: { status: 'invalid', reason: 'not a number' },
    })
    // Only what passed both checks reached the destination, in one request.
    expect(destination.ops()).toEqual(['upsert:a', 'upsert:d'])
    expect(destination.requests).toBe(1)
    expect(counts.succeeded.upsert).toBe(2)
    expect(counts.rejected.upsert).toBe(1)
    expect(counts.invalid.other).toBe(2)
    expect(counts.possiblyDuplicated).toBe(1)
  })

  it('sends nothing when every record is set aside', async () => {
    const destination = new MemoryDestination()
    const outcomes = await sendRequest(
      { destination, object: 'contacts', identifierField: 'external_id' },
      'upsert',
      [outbound('a', 'added', 'bad')],
      ctx,
      emptyCounts(),
    )
    expect(outcomes.map((o) => o.result.status)).toEqual(['invalid'])
    expect(destination.requests).toBe(0)
  })

  it('fails the request when the destination answers a different number of results than records', async () => {
    const destination = new MemoryDestination()
    destination.write = async () => [{ status: 'succeeded' }]
    await expect(
      sendRequest(
        { destination, object: 'contacts', identifierField: 'external_id' },
        'upsert',
        [outbound('a'), outbound('b')],
        ctx,
        emptyCounts(),
      ),
    ).rejects.toMatchObject({ code: 'RESULT_COUNT' })
  })
})

describe('settling a group (settleOutcomes)', () => {
  it('puts acknowledged rows, removes acknowledged removals, keeps rejections aside and tracks every record', () => {
    const now = new Date('2026-12-05T10:00:00Z')
    const earlier = new Date('2026-12-01T00:00:00Z')
    const rejectedAgain = outbound('r1')
    rejectedAgain.change.rejected = { hash: 'h-r1', at: earlier }
    const rejectedWithNewData = outbound('r2')
    rejectedWithNewData.change.rejected = { hash: 'an older hash', at: earlier }
    const { delta, tracked } = settleOutcomes(
      'upsert',
      [
        { item: outbound('a'), result: { status: 'succeeded' } },
        { item: outbound('gone', 'removed'), result: { status: 'succeeded' } },
        { item: rejectedAgain, result: { status: 'rejected', reason: 'refused' } },
        { item: rejectedWithNewData, result: { status: 'rejected', reason: 'refused' } },
        { item: outbound('i'), result: { status: 'invalid', reason: 'bad value' } },
        { item: outbound('d'), result: { status: 'succeeded', possiblyDuplicated: true } },
      ],
      now,
      true,
    )
    expect(delta).toEqual({
      put: [
        { identifier: 'a', hash: 'h-a' },
        { identifier: 'd', hash: 'h-d' },
      ],
      remove: ['gone'],
      reject: [
        // The same data refused again keeps the time it was first refused: its retry age runs on.
        { identifier: 'r1', hash: 'h-r1', firstRejectedAt: earlier },
        { identifier: 'r2', hash: 'h-r2', firstRejectedAt: now },
      ],
    } satisfies SnapshotCommit)
    expect(tracked.map((t) => [t.identifier, t.status, t.message])).toEqual([
      ['a', 'succeeded', null],
      ['gone', 'succeeded', null],
      ['r1', 'rejected', 'refused'],
      ['r2', 'rejected', 'refused'],
      ['i', 'invalid', 'bad value'],
      ['d', 'succeeded', POSSIBLY_DUPLICATED],
    ])
    expect(tracked[0]?.payload).toBe('{"email":"a@example.com"}')
  })

  it('tracks nothing when the run has no tracking', () => {
    const { delta, tracked } = settleOutcomes(
      'upsert',
      [{ item: outbound('a'), result: { status: 'succeeded' } }],
      new Date(),
      false,
    )
    expect(delta.put).toHaveLength(1)
    expect(tracked).toEqual([])
  })
})

/** A diff session and a tracking sink that log what reaches them and can be held or made to fail. */
function recorder() {
  const log: string[] = []
  let releaseTracking: (() => void) | undefined
  const session = {
    failNext: false,
    async commit(delta: SnapshotCommit) {
      if (session.failNext) throw new Error('disk full')
      log.push(`commit ${delta.put.map((p) => p.identifier).join(',')}`)
    },
  }
  const tracking: TrackingSink & { hold: boolean; failBatch: number | undefined } = {
    hold: false,
    failBatch: undefined,
    async write(batch: TrackingBatch) {
      if (tracking.failBatch === batch.batchNumber) throw new Error('lake unwritable')
      if (tracking.hold) await new Promise<void>((resolve) => (releaseTracking = resolve))
      log.push(`track ${batch.batchNumber}`)
    },
  }
  return {
    log,
    session: session as unknown as DiffSession & { failNext: boolean },
    tracking,
    held: () => releaseTracking !== undefined,
    release: () => releaseTracking?.(),
  }
}

function batch(batchNumber: number): TrackingBatch {
  return {
    org: 'o',
    sync: 's',
    runId: 'r',
    batchType: 'upsert',
    batchNumber,
    startedAt: new Date(),
    endedAt: new Date(),
    records: [],
  }
}

const put = (...ids: string[]): SnapshotCommit => ({
  put: ids.map((identifier) => ({ identifier, hash: 'h' })),
  remove: [],
  reject: [],
})

describe('committing in order (CommitQueue)', () => {
  it("commits a group's snapshot delta only after its tracking batch is written", async () => {
    const r = recorder()
    const queue = new CommitQueue(r.session, r.tracking, () => {})
    r.tracking.hold = true
    const committed = queue.group(put('a'), batch(1))
    // While the tracking write is held, the snapshot is not touched.
    await expect.poll(() => r.held()).toBe(true)
    expect(r.log).toEqual([])
    r.release()
    await committed
    expect(r.log).toEqual(['track 1', 'commit a'])
  })

  it('after a failed tracking write, commits no later group and reports one failure', async () => {
    const r = recorder()
    const failures: string[] = []
    const queue = new CommitQueue(r.session, r.tracking, (f) => failures.push(f.message))
    await queue.group(put('a'), batch(1))
    r.tracking.failBatch = 2
    void queue.group(put('b'), batch(2))
    void queue.group(put('c'), batch(3))
    await queue.drain()
    expect(r.log).toEqual(['track 1', 'commit a'])
    expect(failures).toEqual(["[sluice] cannot commit the run's progress: lake unwritable"])
    expect(queue.failure?.code).toBe('COMMIT')
  })

  it('after a failed snapshot commit, commits nothing more', async () => {
    const r = recorder()
    const failures: string[] = []
    const queue = new CommitQueue(r.session, undefined, (f) => failures.push(f.message))
    r.session.failNext = true
    void queue.delta(put('a'))
    await queue.drain()
    r.session.failNext = false
    await queue.delta(put('b'))
    expect(r.log).toEqual([])
    expect(failures).toEqual(["[sluice] cannot commit the run's progress: disk full"])
  })
})
