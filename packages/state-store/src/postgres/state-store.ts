import {
  type DiffSession,
  parseJson,
  type RunFilter,
  type RunLock,
  type RunRecord,
  type SyncConfig,
  type SyncOverview,
  stringifyExact,
  type Value,
} from '@sluice/core'
import type pg from 'pg'
import type { InspectableStateStore, SnapshotEntry } from '../snapshot-reader.js'
import { PostgresDiffSession } from './diff-session.js'
import { pgDriver } from './driver.js'
import { journalTable } from './journal.js'
import { PostgresLedger } from './ledger.js'
import { acquireAdvisoryLock, type HeldLock } from './lock.js'
import { migrate } from './migrations.js'
import { schemaIdentifier } from './sql.js'

export interface PostgresStateStoreOptions {
  /** a postgres:// URL; the role needs to create the bookkeeping schema, or USAGE and CREATE on it */
  url: string
  /** the bookkeeping schema (default `sluice`), created and migrated on first use */
  schema?: string
  /** connections kept open at most (a run uses two or three; the run lock one more of its own) */
  maxConnections?: number
}

export interface PostgresStateStore extends InspectableStateStore {
  readonly schema: string
  /** the pool, for a diff staged straight from the same database */
  readonly pool: pg.Pool
}

/**
 * State in a bookkeeping schema of a Postgres database: snapshots, cursors, the run ledger and run
 * locks, created and migrated by Sluice (versioned migrations). Runs on any number of machines share
 * it: the run lock is an advisory lock held by the run's own session, so a run whose process or
 * machine died loses it with its connection.
 */
export function createPostgresStateStore(options: PostgresStateStoreOptions): PostgresStateStore {
  const schema = options.schema ?? 'sluice'
  const s = schemaIdentifier(schema)
  const pool = new (pgDriver().Pool)({
    connectionString: options.url,
    max: options.maxConnections ?? 6,
    application_name: 'sluice-state',
  })
  // An idle connection that drops must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const ledger = new PostgresLedger(pool, schema)
  const held = new Map<string, HeldLock>()
  let migrated: Promise<void> | undefined
  const ready = async () => {
    migrated ??= migrate(pool, schema).catch((error: unknown) => {
      migrated = undefined
      throw error
    })
    await migrated
  }

  const store: PostgresStateStore = {
    schema,
    pool,

    async acquireLock(sync: string, runId: string): Promise<RunLock> {
      await ready()
      const lock = await acquireAdvisoryLock({
        connection: { connectionString: options.url },
        schema,
        sync,
        runId,
        onStale: (holder) =>
          ledger.markIncomplete(
            sync,
            holder.runId,
            `the process running it (pid ${holder.pid} on ${holder.host}) stopped before it finished`,
          ),
      })
      held.set(sync, lock)
      return {
        runId,
        async release() {
          if (held.get(sync) === lock) held.delete(sync)
          await lock.release()
        },
      }
    },

    async openDiff(sync: string): Promise<DiffSession> {
      await ready()
      return new PostgresDiffSession({ pool, schema, sync, lock: () => held.get(sync) }).open()
    },

    journal: (sync: string) => journalTable(pool, schema, sync, ready),

    async getCursor(sync: string): Promise<Value | undefined> {
      await ready()
      const result = await pool.query<{ value: string }>(`SELECT value FROM ${s}.cursors WHERE sync = $1`, [
        sync,
      ])
      const row = result.rows[0]
      return row ? parseJson(row.value) : undefined
    },

    async setCursor(sync: string, value: Value | undefined): Promise<void> {
      await ready()
      if (value === undefined) await pool.query(`DELETE FROM ${s}.cursors WHERE sync = $1`, [sync])
      else
        await pool.query(
          `INSERT INTO ${s}.cursors (sync, value) VALUES ($1, $2)
           ON CONFLICT (sync) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [sync, stringifyExact(value)],
        )
    },

    async reset(sync: string): Promise<void> {
      const lock = await store.acquireLock(sync, `reset-${Date.now()}`)
      try {
        const client = await pool.connect()
        try {
          await client.query('BEGIN')
          await client.query(`DELETE FROM ${s}.snapshot WHERE sync = $1`, [sync])
          await client.query(`DELETE FROM ${s}.cursors WHERE sync = $1`, [sync])
          await client.query(`DELETE FROM ${s}.journal WHERE sync = $1`, [sync])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        } finally {
          client.release()
        }
      } finally {
        await lock.release()
      }
    },

    async saveRun(run: RunRecord) {
      await ready()
      await ledger.save(run)
    },
    async getRun(sync: string, runId: string) {
      await ready()
      return ledger.get(sync, runId)
    },
    async listRuns(filter?: RunFilter) {
      await ready()
      return ledger.list(filter)
    },
    async syncOverview(syncs: Readonly<Record<string, SyncConfig>>): Promise<SyncOverview[]> {
      await ready()
      return ledger.overview(syncs)
    },

    async snapshotSummary(sync: string) {
      await ready()
      const result = await pool.query<{ rows: string; rejected: string }>(
        `SELECT count(hash) AS rows, count(rejected_hash) AS rejected FROM ${s}.snapshot WHERE sync = $1`,
        [sync],
      )
      return { rows: Number(result.rows[0]?.rows ?? 0), rejected: Number(result.rows[0]?.rejected ?? 0) }
    },

    async snapshotEntries(sync: string, query: { identifiers?: readonly string[]; limit?: number } = {}) {
      await ready()
      const params: unknown[] = [sync]
      let where = 'sync = $1'
      if (query.identifiers) {
        params.push(query.identifiers)
        where += ' AND identifier = ANY($2::text[])'
      }
      const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`
      // Byte order, as DuckDB sorts identifiers, whatever the database's collation.
      const result = await pool.query<{
        identifier: string
        hash: string | null
        rejected_hash: string | null
        rejected_at: Date | null
      }>(
        `SELECT identifier, hash, rejected_hash, rejected_at FROM ${s}.snapshot WHERE ${where}
         ORDER BY identifier COLLATE "C" ${limit}`,
        params,
      )
      return result.rows.map(
        (row): SnapshotEntry => ({
          identifier: row.identifier,
          hash: row.hash,
          ...(row.rejected_hash !== null && row.rejected_at !== null
            ? { rejected: { hash: row.rejected_hash, at: row.rejected_at } }
            : {}),
        }),
      )
    },

    async close(): Promise<void> {
      for (const lock of held.values()) await lock.release().catch(() => {})
      held.clear()
      await pool.end()
    },
  }
  return store
}
