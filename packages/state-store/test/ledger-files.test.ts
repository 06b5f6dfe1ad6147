/** The embedded backend's lock files: what a dead or half-written lock looks like on disk. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { emptyCounts, type RunRecord, type RunStatus, type SyncConfig } from '@sluice/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStateStore, type DuckDBStateStore } from '../src/index.js'

let dir: string
let store: DuckDBStateStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ledger-'))
  store = createStateStore({ path: dir })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function run(sync: string, startedAt: string, status: RunStatus, extra: Partial<RunRecord> = {}): RunRecord {
  const id = `${startedAt.replace(/[-:.]/g, '')}-${sync.slice(0, 3)}`
  return { id, sync, status, mode: 'incremental', startedAt, counts: emptyCounts(), ...extra }
}

const sync = (extra: Partial<SyncConfig> = {}): SyncConfig => ({
  model: 'users',
  destination: 'braze',
  object: 'users',
  behaviour: 'upsert',
  identifier: { column: 'id', field: 'external_id' },
  ...extra,
})

describe('an unreadable run file', () => {
  it('hides that run from history and status, and names the file when the run is asked for', async () => {
    const good = run('alpha', '2026-03-06T00:00:00.000Z', 'succeeded')
    const torn = run('alpha', '2026-03-07T00:00:00.000Z', 'succeeded')
    await store.saveRun(good)
    await store.saveRun(torn)
    const file = join(dir, 'syncs/alpha/runs', `${torn.id}.json`)
    expect(existsSync(file)).toBe(true)
    writeFileSync(file, '{"id": "2026030')
    expect((await store.listRuns({})).map((r) => r.id)).toEqual([good.id])
    const [overview] = await store.syncOverview({ alpha: sync() })
    expect(overview?.lastRun?.id).toBe(good.id)
    expect(overview?.health).toBe('healthy')
    const asked = await store.getRun('alpha', torn.id).catch((error: unknown) => error)
    expect(asked).toMatchObject({ code: 'LEDGER_UNREADABLE' })
    expect(String((asked as Error).message)).toContain(file)
  })
})

describe('run ledger and lock files', () => {
  it('shows a run whose process died as incomplete, and a live one as in progress', async () => {
    const dead = run('alpha', '2026-03-06T00:00:00.000Z', 'in_progress', {
      pid: 2 ** 22 + 7,
      host: hostname(),
    })
    await store.saveRun(dead)
    writeFileSync(
      join(dir, 'syncs/alpha/lock'),
      JSON.stringify({ runId: dead.id, pid: dead.pid, host: hostname(), acquiredAt: dead.startedAt }),
    )
    expect((await store.getRun('alpha', dead.id))?.status).toBe('incomplete')
    expect((await store.syncOverview({ alpha: sync() }))[0]?.health).toBe('failed')

    // Taking the lock over records the dead run as incomplete for good.
    const lock = await store.acquireLock('alpha', 'next-run')
    expect(JSON.parse(JSON.stringify(await store.getRun('alpha', dead.id)))).toMatchObject({
      status: 'incomplete',
      error: { code: 'INTERRUPTED' },
    })
    const live = run('alpha', '2026-03-07T00:00:00.000Z', 'querying', {
      id: 'next-run',
      pid: process.pid,
      host: hostname(),
    })
    await store.saveRun(live)
    expect((await store.getRun('alpha', 'next-run'))?.status).toBe('querying')
    expect((await store.syncOverview({ alpha: sync() }))[0]?.health).toBe('in_progress')
    await lock.release()
  })

  it('takes over a lock file left empty by a process that died while writing it', async () => {
    const path = join(dir, 'syncs/alpha/lock')
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, '')
    const old = new Date(Date.now() - 60_000)
    utimesSync(path, old, old)
    const lock = await store.acquireLock('alpha', 'after-crash')
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ runId: 'after-crash', pid: process.pid })
    await lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('refuses names that would escape the state folder', async () => {
    await expect(store.listRuns({ sync: '../etc' })).rejects.toThrow(/not a sync name/)
  })
})
