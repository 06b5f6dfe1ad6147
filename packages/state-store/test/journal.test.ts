import { encodeEntry, type JournalEntry, rowHash } from '@sluice/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

let h: Harness
afterEach(async () => h?.cleanup())

const SYNC = 'people_to_memory'
const KILLED = '20261205T100000000Z-dead01'
const at = new Date('2026-12-05T10:00:00Z')

/** The payload text the engine stages for a row of the harness's `people`. */
const payload = (id: number, email: string, name: string) =>
  `{"external_id":${id},"email":"${email}","profile":{"name":"${name}"}}`

describe('the acknowledgement journal', () => {
  it('keeps lines in order per run and segment, and drops a segment', async () => {
    h = await harness()
    const journal = h.store.journal(SYNC)
    expect(await journal.left()).toEqual([])
    await journal.append('run-a', 1, ['one', 'two'])
    await journal.append('run-a', 1, ['three'])
    await journal.append('run-a', 2, ['four'])
    await journal.append('run-b', 1, ['five'])
    // Framed lines hold control characters (U+001E between values, U+001F for NULL): kept as written.
    await journal.append('run-c', 1, ['j2\x1eupsert\x1e\x1f\x1e{"a":"é"}\x1eend'])
    const left = (await journal.left()).sort((a, b) =>
      `${a.runId}${a.segment}`.localeCompare(`${b.runId}${b.segment}`),
    )
    expect(left).toEqual([
      { runId: 'run-a', segment: 1, lines: ['one', 'two', 'three'] },
      { runId: 'run-a', segment: 2, lines: ['four'] },
      { runId: 'run-b', segment: 1, lines: ['five'] },
      { runId: 'run-c', segment: 1, lines: ['j2\x1eupsert\x1e\x1f\x1e{"a":"é"}\x1eend'] },
    ])
    await journal.drop('run-a', 1)
    await journal.drop('run-a', 9)
    expect((await journal.left()).map((s) => `${s.runId}.${s.segment}`).sort()).toEqual([
      'run-a.2',
      'run-b.1',
      'run-c.1',
    ])
    await h.store.reset(SYNC)
    expect(await journal.left()).toEqual([])
  })

  it('a finished run leaves no journal', async () => {
    h = await harness()
    await h.sql(`INSERT INTO people SELECT range, 'p' || range || '@x.io', 'P' || range, 1 FROM range(1, 21)`)
    const { run } = await h.run()
    expect(run.status).toBe('succeeded')
    expect(await h.store.journal(SYNC).left()).toEqual([])
  })

  it("folds a killed run's journal before the diff: its acknowledged rows are not sent again, its tracking rows land under its id", async () => {
    h = await harness()
    await h.sql(
      `INSERT INTO people VALUES (1, 'a@x.io', 'Ada', 1), (2, 'b@x.io', 'Bob', 2), (3, 'c@x.io', 'Cy', 3)`,
    )
    const acknowledged = (id: number, email: string, name: string) => ({
      identifier: String(id),
      payload: payload(id, email, name),
      operation: 'upsert' as const,
      status: 'succeeded' as const,
      message: null,
      hash: rowHash(payload(id, email, name)),
    })
    const entry: JournalEntry = {
      batchType: 'upsert',
      startedAt: at,
      endedAt: at,
      delta: {
        put: [
          { identifier: '1', hash: rowHash(payload(1, 'a@x.io', 'Ada')) },
          { identifier: '2', hash: rowHash(payload(2, 'b@x.io', 'Bob')) },
        ],
        remove: [],
        reject: [],
      },
      tracked: [acknowledged(1, 'a@x.io', 'Ada'), acknowledged(2, 'b@x.io', 'Bob')],
    }
    // As a killed run leaves it: one request's answers, and a torn append after it.
    await h.store.journal(SYNC).append(KILLED, 4, [encodeEntry(entry), '{"batchType":"ups'])

    const { run } = await h.run()
    expect(run.status).toBe('succeeded')
    expect(h.destination.ops()).toEqual(['upsert:3'])
    const killedBatches = h.tracking.batches.filter((b) => b.runId === KILLED)
    expect(killedBatches.map((b) => [b.batchType, b.batchNumber])).toEqual([['upsert', 4]])
    expect(killedBatches[0]?.records.map((r) => [r.identifier, r.status])).toEqual([
      ['1', 'succeeded'],
      ['2', 'succeeded'],
    ])
    // The killed run's rows keep their payloads, byte for byte, through the journal's framed line.
    expect(encodeEntry(entry).startsWith('{')).toBe(false)
    expect(killedBatches[0]?.records).toEqual(entry.tracked)
    expect(await h.store.journal(SYNC).left()).toEqual([])

    // Folded once: the next run has nothing to send and nothing to fold.
    h.destination.clearLog()
    await h.run()
    expect(h.destination.ops()).toEqual([])
    expect(h.tracking.rows().filter((r) => r.runId === KILLED)).toHaveLength(2)
  })

  it('a dry run folds nothing', async () => {
    h = await harness()
    await h.sql(`INSERT INTO people VALUES (1, 'a@x.io', 'Ada', 1)`)
    const entry: JournalEntry = {
      batchType: 'upsert',
      startedAt: at,
      endedAt: at,
      delta: {
        put: [{ identifier: '1', hash: rowHash(payload(1, 'a@x.io', 'Ada')) }],
        remove: [],
        reject: [],
      },
      tracked: [],
    }
    await h.store.journal(SYNC).append(KILLED, 1, [encodeEntry(entry)])
    await h.run({ dryRun: true })
    expect(await h.store.journal(SYNC).left()).toHaveLength(1)
  })
})
