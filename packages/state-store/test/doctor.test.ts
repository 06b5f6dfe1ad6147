/** The embedded backend's repair path: damaged ledger and snapshot files found, quarantined, resent. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterEach, describe, expect, it } from 'vitest'
import type { DuckDBStateStore } from '../src/index.js'
import { allBehaviours, type Harness, harness } from './helpers.js'

let h: Harness
afterEach(async () => h?.cleanup())

const SYNC = 'people_to_memory'

/** 100 synced rows in a compacted base, then two changed rows committed as one delta each. */
async function stateWithDeltas() {
  h = await harness()
  await h.sql("INSERT INTO people SELECT range, range || '@x.io', 'n', 0 FROM range(1, 101)")
  expect((await h.run()).run.status).toBe('succeeded')
  await h.sql("UPDATE people SET name = 'changed' WHERE id IN (7, 8)")
  const second = await h.run({
    commitSize: 1,
    destinationCapabilities: { behaviours: allBehaviours, batchSize: 1, concurrency: 1 },
  })
  expect(second.run.counts.changed).toBe(2)
  const store = h.store as DuckDBStateStore
  const snapshotDir = join(store.path, 'syncs', SYNC, 'snapshot')
  const deltas = readdirSync(snapshotDir)
    .filter((name) => name.startsWith('delta.'))
    .map((name) => join(snapshotDir, name))
  expect(deltas).toHaveLength(2)
  return { store, deltas, firstRun: (await h.store.listRuns({ sync: SYNC })).at(-1)!, snapshotDir }
}

async function identifiersIn(path: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:')
  const connection = await db.connect()
  try {
    const reader = await connection.runAndReadAll(`SELECT identifier FROM read_parquet('${path}')`)
    return reader.getRows().map((row) => String(row[0]))
  } finally {
    connection.closeSync()
    db.closeSync()
  }
}

describe('sluice doctor, in the state store', () => {
  it('names a torn delta and ledger file; quarantined, the delta’s rows are sent again and nothing else', async () => {
    const { store, deltas, firstRun } = await stateWithDeltas()
    const torn = deltas[0] as string
    const tornRows = await identifiersIn(torn)
    expect(tornRows).toHaveLength(1)
    writeFileSync(torn, readFileSync(torn).subarray(0, 40))
    const ledgerFile = join(store.path, 'syncs', SYNC, 'runs', `${firstRun.id}.json`)
    writeFileSync(ledgerFile, '{"id": "2026')

    // A run stops with an error that names the file and the fix.
    h.destination.clearLog()
    const failed = await h.run()
    expect(failed.run.status).toBe('failed')
    expect(failed.run.error?.code).toBe('SNAPSHOT_UNREADABLE')
    expect(failed.run.error?.message).toContain(torn)
    expect(h.destination.sent).toEqual([])

    const damaged = await store.examine()
    expect(damaged.map((d) => [d.kind, d.path]).sort()).toEqual(
      [
        ['ledger', ledgerFile],
        ['snapshot-delta', torn],
      ].sort(),
    )
    expect(damaged.every((d) => d.problem.length > 0 && d.consequence.length > 0)).toBe(true)

    const moved = await store.quarantine(damaged)
    expect(moved).toHaveLength(2)
    for (const file of moved) {
      expect(existsSync(file.path)).toBe(false)
      expect(existsSync(file.movedTo)).toBe(true)
      expect(file.movedTo.startsWith(join(store.path, 'quarantine'))).toBe(true)
    }
    expect(await store.examine()).toEqual([])

    // The rows the quarantined delta had recorded as synced are sent again; the other changed row
    // and the 98 unchanged ones are not.
    h.destination.clearLog()
    const repaired = await h.run()
    expect(repaired.run.status).toBe('succeeded')
    expect(h.destination.sent.map((s) => s.identifier)).toEqual(tornRows)
    expect((await h.store.listRuns({ sync: SYNC })).map((r) => r.id)).not.toContain(firstRun.id)
  })

  it('finds values Sluice never writes inside a snapshot file that still reads as parquet', async () => {
    const { store, deltas } = await stateWithDeltas()
    const target = deltas[1] as string
    const db = await DuckDBInstance.create(':memory:')
    const connection = await db.connect()
    try {
      await connection.run(
        `COPY (SELECT 99::BIGINT AS seq, 'bogus' AS op, '7' AS identifier, 'not-a-hash' AS hash, NULL::BIGINT AS at_ms)
         TO '${target}' (FORMAT parquet)`,
      )
    } finally {
      connection.closeSync()
      db.closeSync()
    }
    const damaged = await store.examine()
    expect(damaged).toEqual([
      expect.objectContaining({
        kind: 'snapshot-delta',
        path: target,
        problem: expect.stringContaining('1 row'),
      }),
    ])
  })

  it('finds a ledger file that is JSON but not a run, and a torn cursor', async () => {
    h = await harness()
    const store = h.store as DuckDBStateStore
    await h.store.setCursor(SYNC, 5)
    const runs = join(store.path, 'syncs', SYNC, 'runs')
    await h.store.saveRun({
      id: '20260101T000000000Z-aaaaaa',
      sync: SYNC,
      status: 'succeeded',
      mode: 'incremental',
      startedAt: '2026-01-01T00:00:00.000Z',
      counts: (await import('@sluice/core')).emptyCounts(),
    })
    writeFileSync(join(runs, '20260102T000000000Z-bbbbbb.json'), '[1, 2]')
    writeFileSync(join(store.path, 'syncs', SYNC, 'cursor.json'), '{"json": ')
    const damaged = await store.examine()
    expect(damaged.map((d) => d.kind).sort()).toEqual(['cursor', 'ledger'])
    // The history still lists the good run.
    expect((await h.store.listRuns({})).map((r) => r.id)).toEqual(['20260101T000000000Z-aaaaaa'])
    await store.quarantine(damaged)
    expect(await h.store.getCursor(SYNC)).toBeUndefined()
  })

  it('refuses to quarantine while the sync runs', async () => {
    const { store, deltas } = await stateWithDeltas()
    writeFileSync(deltas[0] as string, 'garbage')
    const damaged = await store.examine()
    const lock = await store.acquireLock(SYNC, 'run-in-progress')
    try {
      await expect(store.quarantine(damaged)).rejects.toThrow(/already running/)
      expect(existsSync(deltas[0] as string)).toBe(true)
    } finally {
      await lock.release()
    }
  })
})
