import { hostname } from 'node:os'
import { emptyCounts, type RunRecord, SluiceError } from '@sluice/core'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresStateStore, POSTGRES_STATE_VERSION, type PostgresStateStore } from '../src/index.js'
import { DATABASE_URL, type StateLocation, stateLocation } from './backends.js'

let location: StateLocation
let store: PostgresStateStore
let admin: pg.Client
beforeEach(async () => {
  location = stateLocation('/nonexistent')
  store = location.open() as PostgresStateStore
  admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
})
afterEach(async () => {
  await store.close()
  await admin.end()
  await location.drop()
})

/** Ends the session holding a sync's lock, as if its machine vanished (and only that session). */
async function dropLockSession(sync: string) {
  const [row] = await q(`SELECT backend_pid FROM "${location.schema}".locks WHERE sync = $1`, [sync])
  expect(row).toBeDefined()
  await q('SELECT pg_terminate_backend($1)', [row?.backend_pid])
  // Termination is asynchronous: wait until the session is gone.
  for (;;) {
    const alive = await q('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [row?.backend_pid])
    if (alive.length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const q = async (sql: string, params: unknown[] = []) => (await admin.query(sql, params)).rows

describe('the bookkeeping schema', () => {
  it('is created and migrated on first use, once, even by several processes at the same time', async () => {
    const others = [1, 2, 3].map(() =>
      createPostgresStateStore({ url: DATABASE_URL, schema: location.schema as string }),
    )
    try {
      await Promise.all([store, ...others].map((s) => s.listRuns()))
      // Each migration once, in order.
      expect(await q(`SELECT version FROM "${location.schema}".schema_migrations ORDER BY 1`)).toEqual(
        Array.from({ length: POSTGRES_STATE_VERSION }, (_, i) => ({ version: i + 1 })),
      )
      const tables = await q(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [location.schema],
      )
      expect(tables.map((t) => t.table_name)).toEqual([
        'cursors',
        'journal',
        'locks',
        'runs',
        'schema_migrations',
        'snapshot',
      ])
    } finally {
      for (const other of others) await other.close()
    }
  })

  it('refuses a schema migrated by a newer Sluice', async () => {
    await store.listRuns()
    await q(
      `INSERT INTO "${location.schema}".schema_migrations (version, name) VALUES (999, 'from the future')`,
    )
    const newer = createPostgresStateStore({ url: DATABASE_URL, schema: location.schema as string })
    try {
      await expect(newer.listRuns()).rejects.toThrow(/version 999, newer than this Sluice knows/)
    } finally {
      await newer.close()
    }
  })

  it('refuses a schema name it cannot quote safely', () => {
    expect(() => createPostgresStateStore({ url: DATABASE_URL, schema: 'x"; DROP TABLE y; --' })).toThrow(
      /is not a schema name Sluice can keep its state in/,
    )
  })

  it('works for a role that may only use a schema the owner created for it', async () => {
    const role = `${location.schema}_app`
    await q(`CREATE ROLE "${role}" LOGIN`)
    await q(`CREATE SCHEMA "${location.schema}" AUTHORIZATION "${role}"`)
    const url = new URL(DATABASE_URL)
    url.username = role
    const limited = createPostgresStateStore({ url: url.toString(), schema: location.schema as string })
    try {
      await limited.setCursor('s', 41)
      expect(await limited.getCursor('s')).toBe(41)
    } finally {
      await limited.close()
      await q(`DROP SCHEMA "${location.schema}" CASCADE`)
      await q(`DROP ROLE "${role}"`)
    }
  })
})

describe('run locks', () => {
  const started = (id: string): RunRecord => ({
    id,
    sync: 'alpha',
    status: 'in_progress',
    mode: 'incremental',
    startedAt: new Date().toISOString(),
    counts: emptyCounts(),
    pid: 424242,
    host: 'elsewhere',
  })

  it('are held by a session: when it drops, the run reads as incomplete and the next run takes over', async () => {
    const other = createPostgresStateStore({ url: DATABASE_URL, schema: location.schema as string })
    try {
      await other.acquireLock('alpha', 'run-1')
      await other.saveRun(started('run-1'))
      expect((await store.getRun('alpha', 'run-1'))?.status).toBe('in_progress')
      const refused = await store.acquireLock('alpha', 'run-2').catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(SluiceError)
      expect((refused as SluiceError).message).toMatch(
        new RegExp(`sync "alpha" is already running: run run-1 \\(pid ${process.pid} on ${hostname()}`),
      )

      // The machine running run-1 vanishes: its sessions end.
      await dropLockSession('alpha')
      expect((await store.getRun('alpha', 'run-1'))?.status).toBe('incomplete')
      expect((await store.syncOverview({ alpha: sync() }))[0]?.health).toBe('failed')

      const lock = await store.acquireLock('alpha', 'run-2')
      expect(await store.getRun('alpha', 'run-1')).toMatchObject({
        status: 'incomplete',
        error: { code: 'INTERRUPTED', message: expect.stringMatching(/stopped before it finished/) },
      })
      await lock.release()
      expect(await q(`SELECT * FROM "${location.schema}".locks`)).toEqual([])
    } finally {
      await other.close()
    }
  })

  it('fence commits: a run that lost its lock commits nothing more', async () => {
    const lock = await store.acquireLock('alpha', 'run-1')
    const session = await store.openDiff('alpha')
    await session.stage([{ identifier: 'a', payload: '{"v":1}' }])
    await session.diff({ mode: 'incremental', removals: true, retryRejectedSince: new Date(0) })
    await session.commit({ put: [{ identifier: 'a', hash: 'h1' }], remove: [], reject: [] })
    await dropLockSession('alpha')
    const error = await session
      .commit({ put: [{ identifier: 'a', hash: 'h2' }], remove: [], reject: [] })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ category: 'conflict', code: 'LOCK_LOST' })
    expect(await store.snapshotEntries('alpha')).toEqual([{ identifier: 'a', hash: 'h1' }])
    await session.close()
    await lock.release()
  })
})

function sync() {
  return {
    model: 'users',
    destination: 'braze',
    object: 'users',
    behaviour: 'upsert' as const,
    identifier: { column: 'id', field: 'external_id' },
  }
}
