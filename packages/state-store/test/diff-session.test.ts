import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Change, ChangeKind, DiffSession } from '@sluice/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InspectableStateStore } from '../src/index.js'
import { backend, type StateLocation, stateLocation } from './backends.js'

let dir: string
let location: StateLocation
let store: InspectableStateStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-diff-'))
  location = stateLocation(dir)
  store = location.open({ memoryLimit: '128MB' })
})
afterEach(async () => {
  await store.close()
  await location.drop()
  rmSync(dir, { recursive: true, force: true })
})

const retry = { retryRejectedSince: new Date(0) }
const snapshotFiles = () => readdirSync(join(dir, 'state/syncs/s/snapshot')).sort()
/** The embedded backend's files (base and deltas) are part of its promise; Postgres keeps rows. */
const onDisk = (check: (files: string[]) => void) => {
  if (backend === 'duckdb') check(snapshotFiles())
}

async function collect(session: DiffSession, kinds: ChangeKind[]): Promise<Change[]> {
  const out: Change[] = []
  for await (const chunk of session.changes(kinds, 2)) out.push(...chunk)
  return out.sort((a, b) => String(a.identifier).localeCompare(String(b.identifier)))
}

describe('diff session', () => {
  it('classifies rows against the snapshot and folds committed deltas into it', async () => {
    let session = await store.openDiff('s')
    await session.stage([
      { identifier: 'a', payload: '{"v":1}' },
      { identifier: 'b', payload: '{"v":2}' },
      { identifier: 'c', payload: '{"v":3}' },
    ])
    expect(await session.diff({ mode: 'incremental', removals: true, ...retry })).toMatchObject({
      added: 3,
      unchanged: 0,
    })
    const added = await collect(session, ['added'])
    await session.commit({
      put: [{ identifier: 'a', hash: added[0]?.hash as string }],
      remove: [],
      reject: [],
    })
    await session.commit({
      put: [
        { identifier: 'b', hash: added[1]?.hash as string },
        { identifier: 'c', hash: added[2]?.hash as string },
      ],
      remove: [],
      reject: [],
    })
    // Mid-run, a reader sees the committed deltas.
    onDisk((files) => expect(files.filter((f) => f.startsWith('delta.'))).toHaveLength(2))
    expect(await store.snapshotSummary('s')).toEqual({ rows: 3, rejected: 0 })
    await session.close()
    onDisk((files) => expect(files).toEqual(['base.00000001.parquet']))

    session = await store.openDiff('s')
    await session.stage([
      { identifier: 'a', payload: '{"v":1}' },
      { identifier: 'b', payload: '{"v":20}' },
      { identifier: 'd', payload: '{"v":4}' },
      { identifier: 'd', payload: '{"v":5}' },
      { identifier: null, payload: '{"v":6}' },
    ])
    expect(await session.diff({ mode: 'incremental', removals: true, ...retry })).toEqual({
      staged: 5,
      null: 1,
      duplicate: 2,
      added: 0,
      changed: 1,
      removed: 1,
      unchanged: 1,
      expired: 0,
    })
    expect((await collect(session, ['duplicate'])).map((c) => [c.identifier, c.occurrences])).toEqual([
      ['d', 2],
      ['d', 2],
    ])
    const [changed] = await collect(session, ['changed'])
    const [removed] = await collect(session, ['removed'])
    expect(removed).toMatchObject({ identifier: 'c', payload: null })
    await session.commit({
      put: [],
      remove: ['c'],
      reject: [
        { identifier: 'b', hash: changed?.hash as string, firstRejectedAt: new Date('2026-01-01T00:00:00Z') },
      ],
    })
    await session.close()
    expect(await store.snapshotEntries('s')).toEqual([
      { identifier: 'a', hash: expect.any(String) },
      {
        identifier: 'b',
        hash: added[1]?.hash,
        rejected: { hash: changed?.hash, at: new Date('2026-01-01T00:00:00Z') },
      },
    ])

    // Cursor mode: rows missing from the query are not removed.
    session = await store.openDiff('s')
    await session.stage([{ identifier: 'z', payload: '{}' }])
    expect(await session.diff({ mode: 'incremental', removals: false, ...retry })).toMatchObject({
      added: 1,
      removed: 0,
    })
    // Full resync: everything is added, nothing removed.
    await session.close()
    session = await store.openDiff('s')
    await session.stage([{ identifier: 'a', payload: '{"v":1}' }])
    expect(await session.diff({ mode: 'full_resync', removals: false, ...retry })).toMatchObject({
      added: 1,
      unchanged: 0,
      removed: 0,
    })
    // Reset CDC: the staged rows become the snapshot.
    await session.replaceSnapshot()
    await session.close()
    expect((await store.snapshotEntries('s')).map((e) => e.identifier)).toEqual(['a'])
  })

  it('commits identifiers holding any character, the separators of its own framing included', async () => {
    const odd = ['x\x1ey', '\x1d1', 'a\x1d0\x1e\x1e', '\x1e', "it's", 'ünï 😀', ' ']
    const session = await store.openDiff('s')
    await session.stage(odd.map((identifier, i) => ({ identifier, payload: `{"v":${i}}` })))
    await session.diff({ mode: 'incremental', removals: true, ...retry })
    const added = await collect(session, ['added'])
    const [first, second, ...rest] = added
    await session.commit({
      put: rest.map((c) => ({ identifier: c.identifier as string, hash: c.hash })),
      remove: [],
      reject: [
        {
          identifier: first?.identifier as string,
          hash: first?.hash as string,
          firstRejectedAt: new Date(5),
        },
      ],
    })
    await session.commit({
      put: [{ identifier: second?.identifier as string, hash: second?.hash as string }],
      remove: [],
      reject: [],
    })
    await session.commit({ put: [], remove: [rest[0]?.identifier as string], reject: [] })
    await session.close()
    const entries = await store.snapshotEntries('s')
    expect(new Set(entries.map((e) => e.identifier))).toEqual(
      new Set(odd.filter((id) => id !== rest[0]?.identifier)),
    )
    expect(entries.find((e) => e.identifier === first?.identifier)).toEqual({
      identifier: first?.identifier,
      hash: null,
      rejected: { hash: first?.hash, at: new Date(5) },
    })
    for (const c of [second, ...rest.slice(1)])
      expect(entries.find((e) => e.identifier === c?.identifier)?.hash).toBe(c?.hash)
  })

  it('leaves small deltas in place and reads through them, in commit order across runs', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ identifier: `r${i}`, payload: `{"n":${i}}` }))
    let session = await store.openDiff('s')
    await session.stage(rows)
    await session.diff({ mode: 'incremental', removals: true, ...retry })
    const hashes = new Map((await collect(session, ['added'])).map((c) => [c.identifier, c.hash]))
    await session.commit({
      put: rows.map((r) => ({
        identifier: r.identifier as string,
        hash: hashes.get(r.identifier) as string,
      })),
      remove: [],
      reject: [],
    })
    await session.close()
    onDisk((files) => expect(files).toEqual(['base.00000001.parquet']))

    // Run 2: one row changes and is rejected.
    const changedRows = rows.map((r) => (r.identifier === 'r7' ? { ...r, payload: '{"n":700}' } : r))
    session = await store.openDiff('s')
    await session.stage(changedRows)
    expect(await session.diff({ mode: 'incremental', removals: true, ...retry })).toMatchObject({
      changed: 1,
    })
    const [changed] = await collect(session, ['changed'])
    const at = new Date('2026-02-01T00:00:00Z')
    await session.commit({
      put: [],
      remove: [],
      reject: [{ identifier: 'r7', hash: changed?.hash as string, firstRejectedAt: at }],
    })
    await session.close()
    // One small delta: not worth rewriting the base for.
    onDisk((files) => expect(files).toEqual(['base.00000001.parquet', 'delta.00000001.00000001.parquet']))

    // Run 3 reads through the delta: the rejection is there, and a later put wins over it.
    session = await store.openDiff('s')
    await session.stage(changedRows)
    await session.diff({ mode: 'incremental', removals: true, ...retry })
    const [again] = await collect(session, ['changed'])
    expect(again?.rejected).toEqual({ hash: changed?.hash, at })
    await session.commit({ put: [{ identifier: 'r7', hash: again?.hash as string }], remove: [], reject: [] })
    await session.close()
    onDisk((files) => expect(files).toHaveLength(3))
    const [entry] = await store.snapshotEntries('s', { identifiers: ['r7'] })
    expect(entry).toEqual({ identifier: 'r7', hash: changed?.hash })

    // Run 4: nothing changed.
    session = await store.openDiff('s')
    await session.stage(changedRows)
    expect(await session.diff({ mode: 'incremental', removals: true, ...retry })).toMatchObject({
      unchanged: 100,
      changed: 0,
    })
    await session.close()
  })

  it('keeps big models out of the JS heap: a 300k-row diff streams its changes', async () => {
    const session = await store.openDiff('s')
    const chunk = 10_000
    for (let start = 0; start < 300_000; start += chunk) {
      await session.stage(
        Array.from({ length: chunk }, (_, i) => ({
          identifier: String(start + i),
          payload: `{"n":${start + i}}`,
        })),
      )
    }
    const summary = await session.diff({ mode: 'incremental', removals: true, ...retry })
    expect(summary.added).toBe(300_000)
    let seen = 0
    let largest = 0
    for await (const changes of session.changes(['added'])) {
      seen += changes.length
      largest = Math.max(largest, changes.length)
    }
    expect(seen).toBe(300_000)
    expect(largest).toBeLessThan(5000)
    await session.close()
  })
})
