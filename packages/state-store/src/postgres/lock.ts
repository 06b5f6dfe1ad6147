import { hostname } from 'node:os'
import { type RunLock, SluiceError } from '@sluice/core'
import type pg from 'pg'
import { pgDriver } from './driver.js'
import { lockKeys, schemaIdentifier } from './sql.js'

/** A run lock this process holds: the session that holds it, for fencing commits. */
export interface HeldLock extends RunLock {
  /** the server process of the session holding the advisory lock */
  readonly backendPid: number
  readonly keys: [number, number]
}

/**
 * Takes a sync's run lock: a session-level advisory lock on a connection of its own, held until
 * `release` (or until the connection drops, when the process dies: Postgres releases it then, and
 * the next run takes over). The `locks` row only names the holder; a row left by a holder whose lock
 * is gone belongs to a dead run, which `onStale` records as incomplete.
 */
export async function acquireAdvisoryLock(options: {
  connection: pg.ClientConfig
  schema: string
  sync: string
  runId: string
  onStale: (holder: { runId: string; pid: number; host: string }) => Promise<void>
}): Promise<HeldLock> {
  const { schema, sync, runId } = options
  const s = schemaIdentifier(schema)
  const keys = lockKeys(schema, sync)
  // Keepalives make a vanished machine's session (and so its lock) go away, not only a dead process's.
  const client = new (pgDriver().Client)({
    ...options.connection,
    keepAlive: true,
    application_name: 'sluice-run-lock',
  })
  client.on('error', () => {})
  await client.connect()
  try {
    const taken = await client.query<{ ok: boolean; backend: number }>(
      'SELECT pg_try_advisory_lock($1, $2) AS ok, pg_backend_pid() AS backend',
      keys.signed,
    )
    const backendPid = Number(taken.rows[0]?.backend)
    if (!taken.rows[0]?.ok) {
      const holder = await client.query<{ run_id: string; pid: number; host: string; acquired_at: Date }>(
        `SELECT run_id, pid, host, acquired_at FROM ${s}.locks WHERE sync = $1`,
        [sync],
      )
      const row = holder.rows[0]
      throw new SluiceError(
        'conflict',
        row
          ? `sync "${sync}" is already running: run ${row.run_id} (pid ${row.pid} on ${row.host}, since ${row.acquired_at.toISOString()})`
          : `sync "${sync}" is already running (another session holds its lock)`,
        {
          code: 'RUN_IN_PROGRESS',
          ...(row ? { details: { runId: row.run_id, pid: row.pid, host: row.host } } : {}),
          hint: 'Wait for it to finish or cancel it; a run whose process died releases the lock with its connection.',
        },
      )
    }
    const stale = await client.query<{ run_id: string; pid: number; host: string }>(
      `SELECT run_id, pid, host FROM ${s}.locks WHERE sync = $1`,
      [sync],
    )
    const left = stale.rows[0]
    if (left && left.run_id !== runId)
      await options.onStale({ runId: left.run_id, pid: left.pid, host: left.host })
    await client.query(
      `INSERT INTO ${s}.locks (sync, run_id, pid, host, backend_pid, acquired_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (sync) DO UPDATE SET run_id = EXCLUDED.run_id, pid = EXCLUDED.pid, host = EXCLUDED.host,
         backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at`,
      [sync, runId, process.pid, hostname(), backendPid],
    )
    let released = false
    return {
      runId,
      backendPid,
      keys: keys.unsigned,
      async release() {
        if (released) return
        released = true
        try {
          await client.query(`DELETE FROM ${s}.locks WHERE sync = $1 AND run_id = $2`, [sync, runId])
          await client.query('SELECT pg_advisory_unlock($1, $2)', keys.signed)
        } catch {
          // The session is gone (and the advisory lock with it); the row it leaves names a dead run,
          // which the next run records as incomplete, as it should.
        } finally {
          await client.end().catch(() => {})
        }
      },
    }
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/** SQL that is true while the session `backendPid` still holds the advisory lock with these keys. */
export const STILL_HELD = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
  AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND pid = $3)`

/** Throws unless the lock is still held: a commit must never land after the run lost its lock. */
export async function assertStillHeld(
  client: pg.ClientBase,
  lock: HeldLock,
  schema: string,
  sync: string,
): Promise<void> {
  // The holder row is share-locked until this transaction ends: a run taking the lock over rewrites
  // that row first, so it waits for this commit, and a commit after a takeover finds another run id.
  const holder = await client.query<{ run_id: string }>(
    `SELECT run_id FROM ${schemaIdentifier(schema)}.locks WHERE sync = $1 FOR SHARE`,
    [sync],
  )
  const held = await client.query<{ held: boolean }>(`SELECT ${STILL_HELD} AS held`, [
    ...lock.keys,
    lock.backendPid,
  ])
  if (holder.rows[0]?.run_id !== lock.runId || !held.rows[0]?.held) {
    throw new SluiceError(
      'conflict',
      `run ${lock.runId} of sync "${sync}" lost its lock: its connection dropped`,
      {
        code: 'LOCK_LOST',
        hint: 'Nothing more is committed by this run; the next run resumes from the last commit.',
      },
    )
  }
}
