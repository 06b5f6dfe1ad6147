import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import type { RunLock } from '@sluice/core'
import { SluiceError, sleep } from '@sluice/core/contract'
import { isMissing } from './files.js'

/** What a lock file holds: enough for another process to name the running run and to tell if it died. */
export interface LockHolder {
  runId: string
  pid: number
  host: string
  acquiredAt: string
}

/**
 * Takes a lock file with O_EXCL, so exactly one process wins, on any local filesystem. A lock left by a
 * process that is gone (same host, pid no longer alive) is taken over; `onStale` hears about it so
 * the dead run can be marked incomplete.
 */
export async function acquireLockFile(
  path: string,
  runId: string,
  onStale: (holder: LockHolder) => Promise<void>,
  describe: string,
): Promise<RunLock> {
  await mkdir(dirname(path), { recursive: true })
  const me: LockHolder = { runId, pid: process.pid, host: hostname(), acquiredAt: new Date().toISOString() }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx')
      try {
        await handle.writeFile(JSON.stringify(me))
        await handle.sync()
      } finally {
        await handle.close()
      }
      return { runId, release: () => releaseLockFile(path, runId) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = await readHolder(path)
    if (!holder) {
      // Released between our attempt and the read (try again), or left empty by a process that died
      // between creating and writing it (old enough: take it over).
      if (!(await olderThan(path, HALF_WRITTEN_MS))) {
        await sleep(50)
        continue
      }
    } else if (holderIsAlive(holder)) {
      throw new SluiceError(
        'conflict',
        `${describe} is already running: run ${holder.runId} (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt})`,
        {
          code: 'RUN_IN_PROGRESS',
          details: { runId: holder.runId, pid: holder.pid, host: holder.host },
          hint:
            holder.host === hostname()
              ? 'Wait for it to finish or cancel it.'
              : `If that process is gone, remove ${path}.`,
        },
      )
    }
    // A dead holder's lock: move it aside first, so two processes cannot both take it over.
    const aside = `${path}.stale-${process.pid}-${randomBytes(3).toString('hex')}`
    try {
      await rename(path, aside)
    } catch (error) {
      if (isMissing(error)) continue
      throw error
    }
    await unlink(aside).catch(() => {})
    if (holder) await onStale(holder)
  }
  throw new SluiceError('conflict', `could not take the lock for ${describe}`, { code: 'LOCK_CONTENDED' })
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

async function releaseLockFile(path: string, runId: string): Promise<void> {
  const holder = await readHolder(path)
  if (holder?.runId === runId) await unlink(path).catch(() => {})
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
 * Whether the process holding a lock is still there. Only a pid on this host can be checked; a lock
 * from another host counts as alive.
 */
export function holderIsAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true
  if (holder.pid === process.pid) return true
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
