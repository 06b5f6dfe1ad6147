import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import type { RunLock } from '@sluice/core'
import { SluiceError, sleep } from '@sluice/core/contract'
import { isMissing, writeFileAtomic } from './files.js'

/**
 * What a lock file holds: the run, where it runs, and its lease. The lease is renewed by a heartbeat
 * while the run lives; once `leaseUntil` has passed, the lock is taken over whatever its pid says (a
 * pid can be reused, be 1 in every container, or belong to another host).
 */
export interface LockHolder {
  runId: string
  pid: number
  host: string
  acquiredAt: string
  /** epoch ms until which the holder is presumed alive; absent in locks of older versions */
  leaseUntil?: number
  /** the last renewal, ISO-8601 */
  renewedAt?: string
  /** unique per acquisition: a renewal only replaces its own lock */
  token?: string
}

export interface LeaseOptions {
  /** how long a lock stays valid without renewal; default 60 s */
  ttlMs?: number
  /** how often a live run renews it; default a sixth of the ttl */
  renewMs?: number
}

const DEFAULT_TTL_MS = 60_000

/**
 * Takes a lock file. A free lock is created with O_EXCL, so exactly one process wins. A held lock is
 * taken over only when its lease expired, or when its holder is a process on this host that is gone;
 * the takeover itself happens under a second O_EXCL file and replaces the lock by an atomic rename
 * after checking it is still the expired one, so two processes can never both take it over. `onStale`
 * hears about the holder taken over, so its run can be marked incomplete.
 */
export async function acquireLockFile(
  path: string,
  runId: string,
  onStale: (holder: LockHolder) => Promise<void>,
  describe: string,
  lease: LeaseOptions = {},
): Promise<RunLock> {
  const ttlMs = lease.ttlMs ?? DEFAULT_TTL_MS
  const renewMs = lease.renewMs ?? Math.max(10, Math.floor(ttlMs / 6))
  await mkdir(dirname(path), { recursive: true })
  const token = randomBytes(8).toString('hex')
  const holderNow = (): LockHolder => {
    const now = Date.now()
    return {
      runId,
      pid: process.pid,
      host: hostname(),
      acquiredAt,
      leaseUntil: now + ttlMs,
      renewedAt: new Date(now).toISOString(),
      token,
    }
  }
  const acquiredAt = new Date().toISOString()

  for (let attempt = 0; attempt < 20; attempt++) {
    if (await createExclusive(path, JSON.stringify(holderNow()))) return held(path, token, holderNow, renewMs)
    const holder = await readHolder(path)
    if (!holder) {
      // Released between our attempt and the read (try again), or left empty by a process that died
      // between creating and writing it (old enough: take it over).
      if (!(await olderThan(path, HALF_WRITTEN_MS))) {
        await sleep(20)
        continue
      }
    } else if (holderIsAlive(holder)) {
      throw inUse(describe, holder, path)
    }
    const taken = await takeOver(path, holder, JSON.stringify(holderNow()))
    if (taken === 'taken') {
      if (holder) await onStale(holder)
      return held(path, token, holderNow, renewMs)
    }
    await sleep(20 + Math.floor(Math.random() * 30))
  }
  throw new SluiceError('conflict', `could not take the lock for ${describe}`, { code: 'LOCK_CONTENDED' })
}

/** A lock being held: renewed by a heartbeat until released. */
function held(
  path: string,
  token: string,
  holderNow: () => LockHolder,
  renewMs: number,
): RunLock & {
  readonly lost: boolean
} {
  let lost = false
  let renewing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      const current = await readHolder(path).catch(() => undefined)
      if (current?.token !== token) {
        // Someone took it over (we stalled past the lease) or a person unlocked it: stop renewing.
        lost = true
        clearInterval(timer)
        return
      }
      await writeFileAtomic(path, JSON.stringify(holderNow())).catch(() => {})
    })
  }, renewMs)
  // The heartbeat never keeps a process alive on its own.
  timer.unref()
  return {
    runId: holderNow().runId,
    get lost() {
      return lost
    },
    async release() {
      clearInterval(timer)
      await renewing
      const holder = await readHolder(path).catch(() => undefined)
      if (holder?.token === token) await unlink(path).catch(() => {})
    },
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}

/**
 * Replaces an expired lock, under `<path>.takeover` taken with O_EXCL: inside it, the lock is read
 * again and replaced (atomic rename) only if it is still the one found expired. A takeover file left
 * by a process that died inside this short section is removed once old.
 */
async function takeOver(
  path: string,
  expired: LockHolder | undefined,
  content: string,
): Promise<'taken' | 'busy'> {
  const guard = `${path}.takeover`
  if (!(await createExclusive(guard, String(process.pid)))) {
    if (await olderThan(guard, HALF_WRITTEN_MS)) await unlink(guard).catch(() => {})
    return 'busy'
  }
  try {
    const now = await readHolder(path)
    const same = expired ? now !== undefined && sameHolder(now, expired) : now === undefined
    if (!same) return 'busy'
    await writeFileAtomic(path, content)
    return 'taken'
  } finally {
    await unlink(guard).catch(() => {})
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.runId === b.runId && a.token === b.token && a.leaseUntil === b.leaseUntil && a.pid === b.pid
}

function inUse(describe: string, holder: LockHolder, path: string): SluiceError {
  const renewed = holder.renewedAt ? `, last heartbeat ${holder.renewedAt}` : ''
  return new SluiceError(
    'conflict',
    `${describe} is already running: run ${holder.runId} (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}${renewed})`,
    {
      code: 'RUN_IN_PROGRESS',
      details: { runId: holder.runId, pid: holder.pid, host: holder.host, lockFile: path },
      hint:
        holder.leaseUntil !== undefined
          ? `Wait for it to finish or cancel it. If it died, its lease expires at ${new Date(holder.leaseUntil).toISOString()} and the next run takes over; "sluice unlock" frees it at once.`
          : 'Wait for it to finish or cancel it; "sluice unlock" frees it if that process is gone.',
    },
  )
}

/** A lock file that is still empty after this long was left by a process that died writing it. */
const HALF_WRITTEN_MS = 5000

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms
  } catch (error) {
    if (isMissing(error)) return false
    throw error
  }
}

export async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const text = await readFile(path, 'utf8')
    return text ? (JSON.parse(text) as LockHolder) : undefined
  } catch (error) {
    if (isMissing(error) || error instanceof SyntaxError) return undefined
    throw error
  }
}

/**
 * Removes a lock whatever holds it, for `sluice unlock`: moved aside first, so a concurrent takeover
 * sees either the old lock or none. Returns the holder it removed.
 */
export async function breakLockFile(path: string): Promise<LockHolder | undefined | 'none'> {
  const holder = await readHolder(path)
  const aside = `${path}.unlocked-${process.pid}-${randomBytes(3).toString('hex')}`
  try {
    await rename(path, aside)
  } catch (error) {
    if (isMissing(error)) return 'none'
    throw error
  }
  await unlink(aside).catch(() => {})
  return holder
}

/**
 * Whether the holder of a lock is presumed alive: its lease has not expired and, on this host, its
 * process still exists (a process that is gone frees the lock at once, without waiting for the lease;
 * a reused pid holds it at most until the lease expires). A lock without a lease, written by an older
 * version, is presumed dead.
 */
export function holderIsAlive(holder: LockHolder, now = Date.now()): boolean {
  if (holder.leaseUntil === undefined || now >= holder.leaseUntil) return false
  if (holder.host !== hostname() || holder.pid === process.pid) return true
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
