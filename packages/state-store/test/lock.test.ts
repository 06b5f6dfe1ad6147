import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { emptyCounts, isSluiceError } from '@sluice/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStateStore, type DuckDBStateStore } from '../src/index.js'
import { acquireLockFile, type LockHolder } from '../src/lock.js'

let dir: string
let store: DuckDBStateStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-lock-'))
  store = createStateStore({ path: dir })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const lockPath = (sync: string) => join(dir, 'syncs', sync, 'lock')
const readLock = (sync: string) => JSON.parse(readFileSync(lockPath(sync), 'utf8')) as LockHolder

/** A lock as a run of `pid` on this host left it, its lease ending at `leaseUntil`. */
function leftLock(sync: string, runId: string, pid: number, leaseUntil: number): void {
  mkdirSync(join(dir, 'syncs', sync), { recursive: true })
  writeFileSync(
    lockPath(sync),
    JSON.stringify({
      runId,
      pid,
      host: hostname(),
      acquiredAt: new Date().toISOString(),
      leaseUntil,
      token: 'old',
    }),
  )
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function prepare(sync: string, runId: string) {
  await store.saveRun({
    id: runId,
    sync,
    status: 'in_progress',
    mode: 'incremental',
    startedAt: new Date().toISOString(),
    counts: emptyCounts(),
    pid: 1,
    host: hostname(),
  })
}

describe('the run lock is a lease', () => {
  it('takes over an expired lease whatever its pid says (PID 1, a live process)', async () => {
    await prepare('alpha', 'dead-run')
    leftLock('alpha', 'dead-run', 1, Date.now() - 1)
    expect((await store.getRun('alpha', 'dead-run'))?.status).toBe('incomplete')
    const lock = await store.acquireLock('alpha', 'next-run')
    expect(readLock('alpha')).toMatchObject({ runId: 'next-run', pid: process.pid })
    expect((await store.getRun('alpha', 'dead-run'))?.error?.code).toBe('INTERRUPTED')
    await lock.release()
  })

  it('refuses a live lease, naming the run and when its lease ends', async () => {
    leftLock('beta', 'live-run', 1, Date.now() + 600_000)
    const error = await store.acquireLock('beta', 'second').catch((e: unknown) => e)
    expect(isSluiceError(error) && error.code).toBe('RUN_IN_PROGRESS')
    expect(String((error as Error & { hint?: string }).hint)).toMatch(/lease expires at .*sluice unlock/)
  })

  it('keeps its lease alive by heartbeat for as long as the run lives', async () => {
    const path = lockPath('gamma')
    const first = await acquireLockFile(path, 'long-run', async () => {}, 'sync "gamma"', {
      ttlMs: 2_000,
      renewMs: 50,
    })
    const firstLease = readLock('gamma').leaseUntil!
    // Well past the first lease: only renewals keep it.
    await until(() => Date.now() > firstLease + 200, 'the first lease to pass')
    await until(() => readLock('gamma').leaseUntil! > Date.now() + 1_000, 'a fresh renewal')
    const error = await acquireLockFile(path, 'other', async () => {}, 'sync "gamma"').catch(
      (e: unknown) => e,
    )
    expect(isSluiceError(error) && error.code).toBe('RUN_IN_PROGRESS')
    await first.release()
    const next = await acquireLockFile(path, 'other', async () => {}, 'sync "gamma"')
    await next.release()
  })

  it('lets exactly one of many contenders take over an expired lease', async () => {
    const path = lockPath('delta')
    await prepare('delta', 'dead-run')
    leftLock('delta', 'dead-run', 1, Date.now() - 1)
    let staleSeen = 0
    const contenders = Array.from({ length: 12 }, (_, i) =>
      acquireLockFile(
        path,
        `contender-${i}`,
        async () => {
          staleSeen++
        },
        'sync "delta"',
      ),
    )
    const settled = await Promise.allSettled(contenders)
    const won = settled.filter((s) => s.status === 'fulfilled')
    expect(won).toHaveLength(1)
    expect(staleSeen).toBe(1)
    for (const lost of settled.filter((s) => s.status === 'rejected'))
      expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: 'RUN_IN_PROGRESS' })
    const winner = (won[0] as PromiseFulfilledResult<{ runId: string; release(): Promise<void> }>).value
    expect(readLock('delta').runId).toBe(winner.runId)
    await winner.release()
  })

  it('`unlock` frees a lock whatever holds it and records its run as incomplete', async () => {
    await prepare('omega', 'stuck-run')
    leftLock('omega', 'stuck-run', 1, Date.now() + 600_000)
    expect((await store.unlock('omega'))?.runId).toBe('stuck-run')
    expect(await store.getRun('omega', 'stuck-run')).toMatchObject({
      status: 'incomplete',
      error: { message: expect.stringMatching(/sluice unlock/) },
    })
    expect(await store.unlock('omega')).toBeUndefined()
    const lock = await store.acquireLock('omega', 'fresh')
    await lock.release()
  })
})
