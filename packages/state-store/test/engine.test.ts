import { type RunSyncOptions, rowHash } from '@sluice/core'
import { registerSecret, SluiceError } from '@sluice/core/contract'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Harness, harness } from './helpers.js'

let h: Harness
afterEach(async () => h?.cleanup())

/** A run whose destination answers after 5 ms, cancelled once `requests` requests have been answered. */
function runCancelledAfter(requests: number, overrides: Partial<RunSyncOptions>) {
  const controller = new AbortController()
  h.destination.delayMs = 5
  return h.run({
    ...overrides,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.batchesSent === requests) controller.abort()
    },
  })
}

const seed = `INSERT INTO people VALUES (1, 'a@x.io', 'Ada', 1), (2, 'b@x.io', 'Bob', 2), (3, 'c@x.io', 'Cy', 3)`

describe('invalid records', () => {
  it('never sends NULL or duplicated identifiers, and tracks every such row', async () => {
    h = await harness()
    await h.sql(`INSERT INTO people VALUES
      (1, 'a@x.io', 'Ada', 1), (NULL, 'n@x.io', 'Nul', 0), (2, 'b@x.io', 'Bob', 2),
      (2, 'b2@x.io', 'Bob again', 2), (2, 'b3@x.io', 'Bob thrice', 2), (3, 'c@x.io', 'Cy', 3)`)
    const { run } = await h.run()
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:3'])
    expect(run.counts.queried).toBe(6)
    expect(run.counts.invalid).toEqual({ null: 1, duplicate: 3, other: 0 })
    expect(run.status).toBe('partially_succeeded')
    const invalid = h.tracking.rows().filter((r) => r.batchType === 'invalid')
    expect(invalid.map((r) => [r.status, r.identifier]).sort()).toEqual([
      ['DUPLICATE', '2'],
      ['DUPLICATE', '2'],
      ['DUPLICATE', '2'],
      ['NULL', null],
    ])
    expect(invalid.find((r) => r.status === 'DUPLICATE')?.message).toMatch(/appears in 3 rows/)
    expect(invalid.find((r) => r.status === 'NULL')?.message).toMatch(/"id" is NULL/)
    // The duplicate resolved: identifier 2 is sent next run.
    await h.sql(`DELETE FROM people WHERE id = 2 AND name <> 'Bob'`)
    h.destination.clearLog()
    const second = await h.run()
    expect(h.destination.ops()).toEqual(['upsert:2'])
    expect(second.run.counts.invalid).toEqual({ null: 1, duplicate: 0, other: 0 })
  })

  it("applies the connector's own validation, and retries once the data is fixed", async () => {
    h = await harness()
    await h.sql(seed)
    h.destination.invalid = (r) =>
      String(r.fields.email).startsWith('b@') ? 'email domain is blocked' : undefined
    const { run } = await h.run()
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:3'])
    expect(run.counts.invalid.other).toBe(1)
    const row = h.tracking.rows().find((r) => r.status === 'invalid')
    expect(row).toMatchObject({ identifier: '2', operation: 'upsert', message: 'email domain is blocked' })
    await h.sql(`UPDATE people SET email = 'bob@x.io' WHERE id = 2`)
    h.destination.clearLog()
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:2'])
  })
})

describe('mapping casts', () => {
  it('sends cast values, tracks a value that cannot be cast as invalid with its mapping, and sends it once fixed', async () => {
    h = await harness({
      sync: {
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'name', to: 'score', cast: 'number' },
        ],
      },
    })
    await h.sql(
      `INSERT INTO people VALUES (1, 'a@x.io', '1.50', 1), (2, 'b@x.io', 'n/a', 2), (3, 'c@x.io', NULL, 3)`,
    )
    const dry = await h.run({ dryRun: true })
    expect(dry.planned).toEqual({ upsert: 2 })
    expect(dry.run.counts.invalid.other).toBe(1)
    expect(h.destination.sent).toEqual([])

    const { run } = await h.run()
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:3'])
    expect(h.destination.sent.find((r) => r.identifier === '1')?.fields).toEqual({
      external_id: 1,
      email: 'a@x.io',
      score: 1.5,
    })
    expect(run.counts.invalid.other).toBe(1)
    expect(h.tracking.rows().find((r) => r.status === 'invalid')).toMatchObject({
      identifier: '2',
      operation: 'upsert',
      message: 'mappings[1] (→ score): "n/a" cannot be cast to number',
    })
    await h.sql(`UPDATE people SET name = '2' WHERE id = 2`)
    h.destination.clearLog()
    await h.run()
    expect(h.destination.sent.map((r) => [r.identifier, r.fields.score])).toEqual([['2', 2]])
  })
})

describe('rejected rows', () => {
  it('are retried with current data until the retry age, then expire until they change', async () => {
    h = await harness()
    await h.sql(seed)
    let clock = new Date('2026-01-01T00:00:00Z')
    const now = () => clock
    h.destination.reject = (r) => (r.identifier === '2' ? 'email is not deliverable' : undefined)
    const first = await h.run({ now, rejectedRetryDays: 14 })
    expect(first.run.status).toBe('partially_succeeded')
    expect(first.run.counts.rejected).toEqual({ upsert: 1 })
    expect(first.run.counts.succeeded).toEqual({ upsert: 2 })
    expect(h.tracking.rows().find((r) => r.status === 'rejected')).toMatchObject({
      identifier: '2',
      message: 'email is not deliverable',
    })

    // Next day: the rejected row is retried, with the data current then.
    clock = new Date('2026-01-02T00:00:00Z')
    await h.sql(`UPDATE people SET name = 'Robert' WHERE id = 2`)
    h.destination.clearLog()
    h.destination.reject = () => undefined
    h.destination.reject = (r) => (r.identifier === '2' ? 'still not deliverable' : undefined)
    await h.run({ now, rejectedRetryDays: 14 })
    expect(h.destination.ops()).toEqual([])
    expect(h.destination.requests).toBe(1)

    // 13 days after the last change: still retried with the same data.
    clock = new Date('2026-01-15T00:00:00Z')
    h.destination.clearLog()
    const retried = await h.run({ now, rejectedRetryDays: 14 })
    expect(retried.run.counts.rejected).toEqual({ upsert: 1 })
    expect(retried.run.counts.expired).toBe(0)

    // Past 14 days since it was first rejected with this data: expired, not sent.
    clock = new Date('2026-01-17T00:00:00Z')
    h.destination.clearLog()
    const expired = await h.run({ now, rejectedRetryDays: 14 })
    expect(h.destination.requests).toBe(0)
    expect(expired.run.counts.expired).toBe(1)
    expect(expired.run.status).toBe('partially_succeeded')

    // It changes: sent again.
    await h.sql(`UPDATE people SET email = 'bob@y.io' WHERE id = 2`)
    h.destination.reject = () => undefined
    const fixed = await h.run({ now, rejectedRetryDays: 14 })
    expect(h.destination.ops()).toEqual(['upsert:2'])
    expect(fixed.run.counts.expired).toBe(0)
    expect(fixed.run.status).toBe('succeeded')
  })

  it('keeps secrets out of tracked rejection reasons', async () => {
    h = await harness()
    await h.sql(seed)
    registerSecret('sk-live-0123456789')
    h.destination.reject = (r) => (r.identifier === '3' ? 'refused for key sk-live-0123456789' : undefined)
    await h.run()
    expect(h.tracking.rows().find((r) => r.status === 'rejected')?.message).toBe('refused for key ***')
  })

  it('one rejected record does not hold back the rest of its batch', async () => {
    h = await harness({ caps: { batchSize: 10 } })
    await h.sql(seed)
    h.destination.reject = (r) => (r.identifier === '1' ? 'bad' : undefined)
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:2', 'upsert:3'])
    expect(await h.store.snapshotEntries('people_to_memory')).toMatchObject([
      { identifier: '1', hash: null, rejected: { hash: expect.any(String) } },
      { identifier: '2', hash: expect.any(String) },
      { identifier: '3', hash: expect.any(String) },
    ])
  })
})

describe('run modes', () => {
  it('full resync sends every row as added and removes nothing', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'delete' })
    await h.sql(seed)
    await h.run()
    await h.sql('DELETE FROM people WHERE id = 3')
    h.destination.clearLog()
    const { run } = await h.run({ mode: 'full_resync' })
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:2'])
    expect(run.counts).toMatchObject({ added: 2, removed: 0, changed: 0 })
    expect(run.mode).toBe('full_resync')
  })

  it('reset CDC records the current rows and sends nothing', async () => {
    h = await harness()
    await h.sql(seed)
    const reset = await h.run({ mode: 'reset_cdc' })
    expect(reset.run.status).toBe('succeeded')
    expect(h.destination.requests).toBe(0)
    expect(await h.store.snapshotSummary('people_to_memory')).toEqual({ rows: 3, rejected: 0 })
    await h.sql(`UPDATE people SET email = 'c2@x.io' WHERE id = 3`)
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:3'])
  })

  it('reset clears the snapshot so the next run sends everything', async () => {
    h = await harness()
    await h.sql(seed)
    await h.run()
    await h.store.reset('people_to_memory')
    h.destination.clearLog()
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
  })

  it('cursor mode reads only rows past the cursor, which advances only after a fully successful run', async () => {
    h = await harness({ model: { cursor: 'score' } })
    await h.sql(seed)
    await h.run()
    expect(await h.store.getCursor('people_to_memory')).toBe(3)
    await h.sql(`INSERT INTO people VALUES (4, 'd@x.io', 'Di', 4), (5, 'e@x.io', 'Ed', 5)`)
    // A removed row is invisible in cursor mode.
    await h.sql('DELETE FROM people WHERE id = 1')
    h.destination.clearLog()
    h.destination.reject = (r) => (r.identifier === '5' ? 'nope' : undefined)
    const partial = await h.run()
    expect(partial.run.counts.queried).toBe(2)
    expect(partial.run.counts.removed).toBe(0)
    expect(partial.run.status).toBe('partially_succeeded')
    expect(await h.store.getCursor('people_to_memory')).toBe(3)
    h.destination.clearLog()
    h.destination.reject = () => undefined
    const next = await h.run()
    expect(next.run.counts.queried).toBe(2)
    expect(h.destination.ops()).toEqual(['upsert:5'])
    expect(await h.store.getCursor('people_to_memory')).toBe(5)
    // A full resync reads every row, whatever the cursor, and leaves the cursor at the newest row.
    await h.sql(`INSERT INTO people VALUES (6, 'f@x.io', 'Fi', 6)`)
    h.destination.clearLog()
    const full = await h.run({ mode: 'full_resync' })
    expect(full.run.counts.queried).toBe(5)
    expect(await h.store.getCursor('people_to_memory')).toBe(6)
  })

  it('refuses mirror in cursor mode with a clear error', async () => {
    h = await harness({ behaviour: 'mirror', model: { cursor: 'score' } })
    await expect(h.run()).rejects.toThrow(/mirror cannot run in cursor mode .*"score"/)
    expect(await h.store.listRuns()).toEqual([])
  })

  it('dry run plans and counts, sends and commits nothing, and shows mapped payloads', async () => {
    h = await harness({ behaviour: 'mirror' })
    await h.sql(seed)
    await h.run()
    await h.sql(`UPDATE people SET name = 'Adele' WHERE id = 1`)
    await h.sql('DELETE FROM people WHERE id = 2')
    h.destination.clearLog()
    const dry = await h.run({ dryRun: true })
    expect(h.destination.requests).toBe(0)
    expect(dry.planned).toEqual({ upsert: 1, delete: 1 })
    expect(dry.preview).toEqual([
      {
        operation: 'upsert',
        record: {
          identifier: '1',
          fields: { external_id: 1, email: 'a@x.io', profile: { name: 'Adele' } },
          change: 'changed',
        },
      },
      { operation: 'delete', record: { identifier: '2', fields: { external_id: '2' }, change: 'removed' } },
    ])
    expect(dry.run.dryRun).toBe(true)
    const real = await h.run()
    expect(real.run.counts).toMatchObject({ changed: 1, removed: 1 })
    expect(h.destination.ops()).toEqual(['delete:2', 'upsert:1'])
  })
})

describe('failures', () => {
  it('a destination error that is not about one record fails the run and commits nothing of that batch', async () => {
    h = await harness({ caps: { batchSize: 2, concurrency: 1 } })
    await h.sql(seed)
    h.destination.fail = () =>
      new SluiceError('auth', 'the API key was refused (401)', { component: 'memory', code: 'UNAUTHORIZED' })
    const { run } = await h.run({ commitSize: 2 })
    expect(run.status).toBe('failed')
    expect(run.error).toEqual({
      category: 'auth',
      code: 'UNAUTHORIZED',
      message: '[sluice] [memory] the API key was refused (401)',
    })
    expect(await h.store.snapshotSummary('people_to_memory')).toEqual({ rows: 0, rejected: 0 })
    expect((await h.store.getRun('people_to_memory', run.id))?.status).toBe('failed')
    h.destination.fail = undefined
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
  })

  it('keeps the batches committed before the failure', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 1 } })
    await h.sql(seed)
    let calls = 0
    h.destination.fail = () => (++calls === 3 ? new SluiceError('transient', 'retries exhausted') : undefined)
    const { run } = await h.run({ commitSize: 1 })
    expect(run.status).toBe('failed')
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(2)
    h.destination.clearLog()
    h.destination.fail = undefined
    await h.run()
    expect(h.destination.sent).toHaveLength(1)
  })

  it('a failed tracking write commits neither its group nor any later one, and tracks no later batch', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 1 } })
    await h.sql(`${seed}, (4, 'd@x.io', 'Di', 4), (5, 'e@x.io', 'Eve', 5)`)
    const tracking = {
      batches: [] as number[],
      async write(batch: { batchNumber: number; records: unknown[] }) {
        if (tracking.batches.length === 1) throw new Error('the lake is full')
        tracking.batches.push(batch.records.length)
      },
    }
    const { run } = await h.run({ commitSize: 1, tracking })
    expect(run.status).toBe('failed')
    expect(run.error?.message).toContain('the lake is full')
    // The first group was tracked and committed; the second's tracking failed, so nothing after it
    // was committed (or tracked): those rows are sent again next run.
    expect(tracking.batches).toEqual([1])
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(1)
    // What the destination acknowledged is in the journal: the next run folds it and sends only the
    // rest, so every row reaches the destination exactly once.
    const first = h.destination.sent.map((r) => r.identifier)
    h.destination.clearLog()
    const rerun = await h.run()
    expect(rerun.run.status).toBe('succeeded')
    const all = [...first, ...h.destination.sent.map((r) => r.identifier)]
    expect(all.sort()).toEqual(['1', '2', '3', '4', '5'])
  })

  it('cancellation stops the run, keeps what was committed, and ends cancelled', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 1 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 21)")
    const { run } = await runCancelledAfter(5, { commitSize: 1 })
    expect(run.status).toBe('cancelled')
    const committed = (await h.store.snapshotSummary('people_to_memory')).rows
    expect(committed).toBeGreaterThanOrEqual(4)
    expect(committed).toBeLessThan(20)
    const committedIds = new Set((await h.store.snapshotEntries('people_to_memory')).map((e) => e.identifier))
    h.destination.clearLog()
    const resumed = await h.run()
    expect(resumed.run.status).toBe('succeeded')
    // What was committed is not sent again; everything else is.
    expect(h.destination.sent.length).toBe(20 - committed)
    expect(h.destination.sent.filter((s) => committedIds.has(s.identifier))).toEqual([])
  })

  it('a failed run keeps, tracks and commits every record the destination acknowledged before it failed', async () => {
    h = await harness({ caps: { batchSize: 2, concurrency: 1 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 21)")
    let calls = 0
    h.destination.fail = () => (++calls === 3 ? new SluiceError('transient', 'retries exhausted') : undefined)
    // One commit group of 10 records (5 requests): the third request fails.
    const { run } = await h.run({ commitSize: 10 })
    expect(run.status).toBe('failed')
    expect(run.counts.succeeded.upsert).toBe(4)
    const tracked = h.tracking.rows().filter((r) => r.status === 'succeeded')
    expect(tracked.map((r) => r.identifier).sort()).toEqual(
      h.destination.sent.map((s) => s.identifier).sort(),
    )
    expect(tracked).toHaveLength(4)
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(4)
    const acknowledged = new Set(tracked.map((r) => r.identifier))
    h.destination.fail = undefined
    h.destination.clearLog()
    expect((await h.run()).run.status).toBe('succeeded')
    expect(h.destination.sent).toHaveLength(16)
    expect(h.destination.sent.filter((s) => acknowledged.has(s.identifier))).toEqual([])
  })

  it('a cancelled run tracks every record it counts as succeeded', async () => {
    h = await harness({ caps: { batchSize: 2, concurrency: 2 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 41)")
    const { run } = await runCancelledAfter(3, { commitSize: 20 })
    expect(run.status).toBe('cancelled')
    const succeeded = run.counts.succeeded.upsert ?? 0
    expect(succeeded).toBeGreaterThanOrEqual(6)
    const tracked = h.tracking.rows().filter((r) => r.status === 'succeeded')
    expect(tracked).toHaveLength(succeeded)
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(succeeded)
  })

  it('a cancelled run lets the requests in flight finish, and commits and tracks their answers', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 4 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 41)")
    const { run } = await runCancelledAfter(3, { commitSize: 40 })
    expect(run.status).toBe('cancelled')
    // Requests were in flight when the run was cancelled: each was answered, not cut off, since the
    // destination may already hold its record.
    expect(h.destination.requests).toBeGreaterThan(3)
    expect(h.destination.sent).toHaveLength(h.destination.requests)
    expect(run.counts.succeeded.upsert).toBe(h.destination.requests)
    expect(h.tracking.rows().filter((r) => r.status === 'succeeded')).toHaveLength(h.destination.requests)
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(h.destination.requests)
    h.destination.clearLog()
    await h.run()
    expect(h.destination.sent).toHaveLength(40 - (run.counts.succeeded.upsert ?? 0))
  })

  it('keeps sending while a commit is slow', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 1 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 11)")
    let releaseCommit = () => {}
    const commitHeld = new Promise<void>((resolve) => {
      releaseCommit = resolve
    })
    const store = Object.create(h.store) as typeof h.store
    store.openDiff = async (sync: string) => {
      const session = await h.store.openDiff(sync)
      let commits = 0
      return Object.assign(Object.create(session), {
        commit: async (delta: Parameters<typeof session.commit>[0]) => {
          if (++commits === 1) await commitHeld
          return session.commit(delta)
        },
      })
    }
    const running = h.run({ state: store, commitSize: 1 })
    // The first group's commit is held: the next groups are still sent and answered, up to the
    // commits allowed to wait (3), instead of the send waiting for the commit.
    await vi.waitFor(() => expect(h.destination.sent.length).toBeGreaterThanOrEqual(3), { timeout: 20_000 })
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(0)
    releaseCommit()
    const { run } = await running
    expect(run.status).toBe('succeeded')
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(10)
  })

  it('commits what was answered within the commit interval, without waiting for a full group', async () => {
    h = await harness({ caps: { batchSize: 1, concurrency: 1 } })
    await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 6)")
    let releaseRequest = () => {}
    const requestHeld = new Promise<void>((resolve) => {
      releaseRequest = resolve
    })
    const write = h.destination.write.bind(h.destination)
    let calls = 0
    h.destination.write = async (batch, ctx) => {
      if (++calls === 3) await requestHeld
      return write(batch, ctx)
    }
    const running = h.run({ commitSize: 1000, commitIntervalMs: 10 })
    // Two records are answered and the third request hangs: the group is far from full, yet its
    // answers reach the snapshot and the tracking lake once the interval has passed.
    await vi.waitFor(async () => expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(2), {
      timeout: 20_000,
    })
    expect(h.tracking.rows().map((r) => r.identifier)).toEqual(['1', '2'])
    releaseRequest()
    const { run } = await running
    expect(run.status).toBe('succeeded')
    expect((await h.store.snapshotSummary('people_to_memory')).rows).toBe(5)
  })

  it('a run whose finishing fails (a full disk) still ends in the ledger, with the first cause', async () => {
    h = await harness()
    await h.sql(seed)
    const diskFull = () => Object.assign(new Error('No space left on device'), { code: 'ENOSPC' })
    const store = Object.create(h.store) as typeof h.store
    store.openDiff = async (sync: string) => {
      const session = await h.store.openDiff(sync)
      return Object.assign(Object.create(session), {
        close: async () => {
          await session.close()
          throw diskFull()
        },
      })
    }
    const finished = await h.run({ state: store })
    expect(finished.run.status).toBe('failed')
    expect(finished.run.error?.message).toContain('No space left on device')
    expect((await h.store.getRun('people_to_memory', finished.run.id))?.status).toBe('failed')
    // The rows it sent were committed: the next run sends nothing again.
    h.destination.clearLog()
    expect((await h.run()).run.counts.unchanged).toBe(3)

    // A run that failed first keeps its own cause, not the one met while finishing.
    await h.sql("UPDATE people SET name = 'x'")
    h.destination.fail = () =>
      new SluiceError('auth', 'the API key was refused (401)', { code: 'UNAUTHORIZED' })
    const failed = await h.run({ state: store })
    expect(failed.run.error?.code).toBe('UNAUTHORIZED')
    expect((await h.store.getRun('people_to_memory', failed.run.id))?.error?.code).toBe('UNAUTHORIZED')
  })

  it('refuses a second run of the same sync while one is in progress, naming it', async () => {
    h = await harness()
    await h.sql(seed)
    const lock = await h.store.acquireLock('people_to_memory', 'run-in-progress-1')
    await expect(h.run()).rejects.toThrow(/sync "people_to_memory" is already running: run run-in-progress-1/)
    await lock.release()
    expect((await h.run()).run.status).toBe('succeeded')
  })
})

describe('faithful payloads', () => {
  it('sends nested, object, array and exact big-number fields from STRUCT, LIST and BIGINT columns', async () => {
    h = await harness({
      model: { table: 'accounts' },
      sync: {
        identifier: { column: 'id', field: 'external_id' },
        mappings: [
          { from: 'profile.tier', to: 'loyalty.tier' },
          {
            object: [
              { from: 'city', to: 'city' },
              { constant: 'GB', to: 'country' },
            ],
            to: 'address',
          },
          { array: { from: 'orders', items: [{ from: 'sku', to: 'product_id' }] }, to: 'purchases' },
          { from: 'balance', to: 'balance' },
          { from: 'seen_at', to: 'last_seen' },
        ],
      },
    })
    await h.sql(`CREATE TABLE accounts AS SELECT * FROM (VALUES
      (9007199254740993::BIGINT, {'tier': 'gold'}, 'Londön', [{'sku': 'A1', 'qty': 2}], 12345678901234.56::DECIMAL(18,2),
       TIMESTAMPTZ '2026-03-01 12:00:00.123456+00'),
      (2::BIGINT, NULL, NULL, [], 0.10::DECIMAL(18,2), NULL)
    ) t(id, profile, city, orders, balance, seen_at)`)
    const { run } = await h.run()
    expect(run.status).toBe('succeeded')
    expect(h.destination.records.get('9007199254740993')).toEqual({
      external_id: 9007199254740993n,
      loyalty: { tier: 'gold' },
      address: { city: 'Londön', country: 'GB' },
      purchases: [{ product_id: 'A1' }],
      balance: '12345678901234.56',
      last_seen: '2026-03-01T12:00:00.123456Z',
    })
    // Tracking keeps the exact text that was staged and hashed: the big integer's digits included.
    const tracked = h.tracking.rows().find((r) => r.identifier === '9007199254740993')
    expect(tracked?.payload).toContain('"external_id":9007199254740993,')
    expect(tracked?.hash).toBe(rowHash(tracked?.payload ?? ''))
    expect(h.destination.records.get('2')).toEqual({
      external_id: 2n,
      loyalty: { tier: null },
      address: { city: null, country: 'GB' },
      purchases: [],
      balance: '0.10',
      last_seen: null,
    })
    h.destination.clearLog()
    expect((await h.run()).run.counts.unchanged).toBe(2)
    expect(h.destination.requests).toBe(0)
  })
})

describe('one type per column', () => {
  it('sends every value of a BIGINT column as a bigint, small or not, added or changed, nested or not', async () => {
    h = await harness({
      model: { table: 'counters' },
      sync: {
        identifier: { column: 'id', field: 'external_id' },
        mappings: [
          { from: 'visits', to: 'visits' },
          { from: 'score', to: 'score' },
          { from: 'stats', to: 'stats' },
        ],
      },
    })
    await h.sql(`CREATE TABLE counters AS SELECT * FROM (VALUES
      (1::BIGINT, 5::BIGINT, 7::INTEGER, {'n': 3::BIGINT, 'm': 1::INTEGER}),
      (2::BIGINT, 9007199254740993::BIGINT, 8::INTEGER, {'n': 9007199254740995::BIGINT, 'm': 2::INTEGER}),
      (3::BIGINT, NULL::BIGINT, 9::INTEGER, NULL)
    ) t(id, visits, score, stats)`)
    expect((await h.run()).run.status).toBe('succeeded')
    const types = () =>
      [...h.destination.records.values()].map((r) => [
        typeof r.external_id,
        typeof r.visits,
        typeof r.score,
        typeof (r.stats as Record<string, unknown> | null)?.n,
        typeof (r.stats as Record<string, unknown> | null)?.m,
      ])
    expect(types()).toEqual([
      ['bigint', 'bigint', 'number', 'bigint', 'number'],
      ['bigint', 'bigint', 'number', 'bigint', 'number'],
      ['bigint', 'object', 'number', 'undefined', 'undefined'],
    ])
    // The payload text is the same digits as when small values came as numbers: hashes did not move.
    const tracked = h.tracking.rows().find((r) => r.identifier === '1')
    expect(tracked?.payload).toBe('{"external_id":1,"visits":5,"score":7,"stats":{"n":3,"m":1}}')
    // A changed row is planned from the diff's JSON text: still one type.
    await h.sql('UPDATE counters SET visits = visits + 1')
    h.destination.clearLog()
    expect((await h.run()).run.counts.changed).toBe(2)
    expect(h.destination.sent.map((s) => typeof s.fields.visits)).toEqual(['bigint', 'bigint'])
    expect(h.destination.records.get('1')?.visits).toBe(6n)
  })
})

describe('reading the model', () => {
  it('reads only the columns the sync uses', async () => {
    h = await harness()
    await h.sql(seed)
    const queries: string[] = []
    const source = {
      ...h.source,
      // A source that runs no statements: the model is read and mapped in JS, not staged in DuckDB.
      execute: undefined,
      query: (sql: string, options?: Parameters<typeof h.source.query>[1]) => {
        queries.push(sql)
        return h.source.query(sql, options)
      },
    }
    await h.run({ source })
    expect(queries).toEqual(['SELECT "id", "email", "name" FROM (SELECT * FROM "people") AS sluice_rows'])
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
  })
})

describe('progress and ledger', () => {
  it('reports progress through the phases and keeps the run in the ledger', async () => {
    h = await harness()
    await h.sql(seed)
    const phases: string[] = []
    const { run } = await h.run({ onProgress: (p) => phases.push(p.phase) })
    expect(new Set(phases)).toEqual(new Set(['querying', 'preparing', 'in_progress', 'succeeded']))
    const stored = await h.store.getRun('people_to_memory', run.id)
    expect(stored).toMatchObject({
      status: 'succeeded',
      counts: { queried: 3, added: 3, succeeded: { upsert: 3 } },
    })
    expect(stored?.durationMs).toBeGreaterThanOrEqual(0)
  })

  it('tracks every sent row with its operation, status and hash', async () => {
    h = await harness()
    await h.sql(seed)
    await h.run()
    const rows = h.tracking.rows()
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatchObject({
      operation: 'upsert',
      status: 'succeeded',
      message: null,
      batchType: 'upsert',
    })
    expect(JSON.parse(rows.find((r) => r.identifier === '1')?.payload ?? '')).toEqual({
      email: 'a@x.io',
      external_id: 1,
      profile: { name: 'Ada' },
    })
    // The store hashes in SQL; it is the same hash the engine defines.
    for (const r of rows) expect(r.hash).toBe(rowHash(r.payload))
    const numbers = h.tracking.batches.map((b) => b.batchNumber)
    expect(new Set(numbers).size).toBe(numbers.length)
  })
})

describe('possibly duplicated records', () => {
  it('are counted on the run and named in tracking, and still committed', async () => {
    h = await harness({ behaviour: 'append' })
    await h.sql(seed)
    h.destination.duplicated = (r) => r.identifier === '2'
    const { run } = await h.run()
    expect(run.status).toBe('succeeded')
    expect(run.counts.possiblyDuplicated).toBe(1)
    const rows = h.tracking.rows()
    expect(rows.find((r) => r.identifier === '2')).toMatchObject({
      status: 'succeeded',
      message: expect.stringMatching(/^possibly duplicated/),
    })
    expect(rows.find((r) => r.identifier === '1')).toMatchObject({ status: 'succeeded', message: null })
    h.destination.clearLog()
    await h.run()
    expect(h.destination.ops()).toEqual([])
  })
})
