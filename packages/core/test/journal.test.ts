import { describe, expect, it } from 'vitest'
import {
  decodeEntries,
  encodeEntry,
  type JournalEntry,
  JournalWriter,
  mergeEntries,
} from '../src/engine/journal.js'
import type { AckJournal } from '../src/engine/state.js'
import type { TrackedRecord } from '../src/run.js'

const at = new Date('2026-12-05T10:00:00Z')
const entry = (id: string, status: 'succeeded' | 'rejected' = 'succeeded'): JournalEntry => ({
  batchType: 'upsert',
  startedAt: at,
  endedAt: new Date(at.getTime() + Number(id)),
  delta:
    status === 'succeeded'
      ? { put: [{ identifier: id, hash: `h${id}` }], remove: [], reject: [] }
      : { put: [], remove: [], reject: [{ identifier: id, hash: `h${id}`, firstRejectedAt: at }] },
  tracked: [
    {
      identifier: id,
      payload: `{"id":${id}}`,
      operation: 'upsert',
      status,
      message: status === 'rejected' ? 'no' : null,
      hash: `h${id}`,
    },
  ],
})

describe('journal entries', () => {
  it('round-trip through a line, dates included', () => {
    expect(decodeEntries([encodeEntry(entry('1')), encodeEntry(entry('2', 'rejected'))])).toEqual([
      entry('1'),
      entry('2', 'rejected'),
    ])
  })

  it('ignore a torn last line, and refuse a damaged line before it', () => {
    expect(decodeEntries([encodeEntry(entry('1')), '{"batchType":"up'])).toEqual([entry('1')])
    expect(() => decodeEntries(['{"batch', encodeEntry(entry('1'))])).toThrow()
  })

  it('keep payloads as they are on the line, and each field once', () => {
    const line = encodeEntry(entry('1'))
    expect(line).toContain('{"id":1}')
    expect(line).not.toContain('\\"')
    expect(line.split('{"id":1}')).toHaveLength(2)
  })

  it('round-trip removals, rejections, NULLs and a payload holding a bigint', () => {
    const mixed: JournalEntry = {
      batchType: 'clear',
      startedAt: at,
      endedAt: at,
      delta: {
        put: [],
        remove: ['7', ''],
        reject: [{ identifier: '8', hash: 'h8', firstRejectedAt: new Date(at.getTime() - 86_400_000) }],
      },
      tracked: [
        {
          identifier: null,
          payload: '{"n":12345678901234567890}',
          operation: null,
          status: 'NULL',
          message: 'no id',
          hash: null,
        },
        {
          identifier: '',
          payload: '{}',
          operation: 'clear',
          status: 'rejected',
          message: 'quoted "reason"',
          hash: 'h8',
        },
      ],
    }
    expect(encodeEntry(mixed).includes('{"batchType"')).toBe(false)
    expect(decodeEntries([encodeEntry(mixed)])).toEqual([mixed])
  })

  it('fall back to a JSON line for values that would break the framing', () => {
    for (const awkward of ['line\nbreak', 'a\x1eb', '\x1f']) {
      const odd = entry('1')
      odd.delta.put = [{ identifier: awkward, hash: 'h1' }]
      odd.tracked = [{ ...(odd.tracked[0] as TrackedRecord), identifier: awkward, message: awkward }]
      const line = encodeEntry(odd)
      expect(line.startsWith('{')).toBe(true)
      expect(line).not.toContain('\n')
      expect(decodeEntries([line])).toEqual([odd])
    }
  })

  it('read JSON lines, as journals written before the framed lines hold them', () => {
    expect(decodeEntries([JSON.stringify(entry('1')), encodeEntry(entry('2'))])).toEqual([
      entry('1'),
      entry('2'),
    ])
  })

  it('ignore a framed last line cut short anywhere, and refuse one before the last', () => {
    const whole = encodeEntry(entry('1', 'rejected'))
    for (let cut = 1; cut < whole.length; cut++) {
      expect(decodeEntries([encodeEntry(entry('2')), whole.slice(0, cut)])).toEqual([entry('2')])
    }
    expect(() => decodeEntries([whole.slice(0, -1), encodeEntry(entry('2'))])).toThrow()
  })

  it("merge into one delta and one tracking batch with the segment's number", () => {
    const { delta, batch } = mergeEntries([entry('3'), entry('4', 'rejected')], {
      org: 'o',
      sync: 's',
      runId: 'r',
      batchNumber: 7,
    })
    expect(delta.put).toEqual([{ identifier: '3', hash: 'h3' }])
    expect(delta.reject.map((r) => r.identifier)).toEqual(['4'])
    expect(batch).toMatchObject({ batchType: 'upsert', batchNumber: 7, runId: 'r', startedAt: at })
    expect(batch?.endedAt).toEqual(new Date(at.getTime() + 4))
    expect(batch?.records.map((r) => r.identifier)).toEqual(['3', '4'])
  })
})

describe('JournalWriter', () => {
  it('resolves each record once its append is done, gathering records that arrive meanwhile', async () => {
    const appends: Array<{ segment: number; lines: number }> = []
    const waiting: Array<() => void> = []
    const journal: AckJournal = {
      append: (_run, segment, lines) => {
        appends.push({ segment, lines: lines.length })
        return new Promise((resolve) => waiting.push(resolve))
      },
      drop: async () => {},
      left: async () => [],
    }
    const settle = async () => {
      for (const done of waiting.splice(0)) done()
      await new Promise((r) => setImmediate(r))
    }
    const writer = new JournalWriter(journal, 'run')
    const resolved: string[] = []
    const records = ['1', '2', '3'].map((id, i) =>
      writer.record(i === 2 ? 2 : 1, entry(id)).then(() => resolved.push(id)),
    )
    // The first record's append is under way; the two that came meanwhile wait for it.
    expect(appends).toEqual([{ segment: 1, lines: 1 }])
    await settle()
    expect(resolved).toEqual(['1'])
    expect(appends.slice(1)).toEqual([
      { segment: 1, lines: 1 },
      { segment: 2, lines: 1 },
    ])
    await settle()
    await Promise.all(records)
    expect(resolved.sort()).toEqual(['1', '2', '3'])
  })

  it('rejects the records of a failed append', async () => {
    const journal: AckJournal = {
      append: async () => {
        throw new Error('disk full')
      },
      drop: async () => {},
      left: async () => [],
    }
    await expect(new JournalWriter(journal, 'run').record(1, entry('1'))).rejects.toThrow('disk full')
  })
})
