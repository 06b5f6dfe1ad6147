import { SluiceError } from '@sluice/core'
import type pg from 'pg'
import { literal, schemaIdentifier } from './sql.js'

/**
 * The bookkeeping schema's versioned migrations. Each runs once, in order, in one transaction with
 * the row that records it; a migration is never edited once released: a change is a new migration.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: (s: string) => string }> = [
  {
    version: 1,
    name: 'snapshots, cursors, runs and locks',
    sql: (s) => `
      CREATE TABLE ${s}.snapshot (
        sync text NOT NULL,
        identifier text NOT NULL,
        -- the hash the destination last acknowledged; NULL when it never acknowledged the row
        hash text,
        -- the last rejection, while the row is being retried
        rejected_hash text,
        rejected_at timestamptz,
        PRIMARY KEY (sync, identifier)
      );
      CREATE TABLE ${s}.cursors (
        sync text PRIMARY KEY,
        -- the cursor value as Sluice's exact JSON text (big integers kept)
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.runs (
        sync text NOT NULL,
        id text NOT NULL,
        status text NOT NULL,
        started_at timestamptz NOT NULL,
        record jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sync, id)
      );
      CREATE INDEX runs_newest_first ON ${s}.runs (id DESC);
      -- who holds a sync's advisory lock: the lock itself is the session's, this row names the holder
      CREATE TABLE ${s}.locks (
        sync text PRIMARY KEY,
        run_id text NOT NULL,
        pid integer NOT NULL,
        host text NOT NULL,
        backend_pid integer NOT NULL,
        acquired_at timestamptz NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'acknowledgement journal',
    sql: (s) => `
      -- answers the destination acknowledged that are not committed to the snapshot yet
      CREATE TABLE ${s}.journal (
        sync text NOT NULL,
        run_id text NOT NULL,
        segment integer NOT NULL,
        seq bigserial,
        line text NOT NULL,
        PRIMARY KEY (sync, run_id, segment, seq)
      );`,
  },
]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

/**
 * Creates the bookkeeping schema if it is missing and applies the migrations it has not had yet.
 * Concurrent processes serialise on a transaction-level advisory lock, so each migration runs once.
 * A schema migrated by a newer Sluice is refused rather than misread.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = schemaIdentifier(schema)
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(hashtext(${literal(`sluice-migrate:${schema}`)}))`)
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
    // Only create when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
    // schema exists, and a database owner may well have created it for a less privileged role.
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const current = Number(
      (await client.query(`SELECT coalesce(max(version), 0) AS v FROM ${s}.schema_migrations`)).rows[0]?.v ??
        0,
    )
    if (current > LATEST_VERSION) {
      throw new SluiceError(
        'config',
        `the state schema "${schema}" is at version ${current}, newer than this Sluice knows (${LATEST_VERSION})`,
        {
          code: 'STATE_SCHEMA_TOO_NEW',
          hint: 'Upgrade Sluice on this machine to the version the others run.',
        },
      )
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue
      await client.query(migration.sql(s))
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
