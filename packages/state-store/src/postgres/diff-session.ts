import type {
  Change,
  ChangeKind,
  DiffOptions,
  DiffSession,
  DiffSummary,
  SnapshotCommit,
  Source,
  SourceStageRequest,
  StagedRow,
} from '@sluice/core'
import type pg from 'pg'
import { pgCursor } from './driver.js'
import { assertStillHeld, type HeldLock } from './lock.js'
import { literal, schemaIdentifier, workTables } from './sql.js'
import { warehousePayloadSql } from './warehouse-payload.js'

/** Which database a connection is in: the cluster's system identifier and the database's name. */
const IDENTITY_SQL = `SELECT (SELECT system_identifier FROM pg_control_system())::text AS system, current_database() AS db`
const sameDatabaseBySource = new WeakMap<Source, Promise<boolean>>()
const WORK_MEM = '256MB'

export interface PostgresDiffContext {
  pool: pg.Pool
  schema: string
  sync: string
  /** the run lock, when this store holds it: every commit checks it is still held */
  lock: () => HeldLock | undefined
}

/**
 * One run's diff inside Postgres. The model is staged into an unlogged work table of the bookkeeping
 * schema with its row hash (`md5(payload)`, as in the engine; computed once, as it is staged), then
 * one query compares it with the sync's snapshot rows and keeps only what is not unchanged; the changes stream back through a cursor.
 * A commit is one transaction on the snapshot table.
 */
export class PostgresDiffSession implements DiffSession {
  private staged = 0
  private diffed = false
  private readonly tables: { model: string; changes: string }
  private readonly snapshot: string

  constructor(private readonly ctx: PostgresDiffContext) {
    this.tables = workTables(ctx.schema, ctx.sync)
    this.snapshot = `${schemaIdentifier(ctx.schema)}.snapshot`
  }

  /** Work tables left by a run that died are dropped: the run lock says no other run uses them. */
  async open(): Promise<this> {
    await this.ctx.pool.query(`DROP TABLE IF EXISTS ${this.tables.model}, ${this.tables.changes}`)
    await this.ctx.pool.query(
      `CREATE UNLOGGED TABLE ${this.tables.model} (identifier text, payload text NOT NULL, hash text NOT NULL)`,
    )
    return this
  }

  async stage(rows: readonly StagedRow[]): Promise<void> {
    if (rows.length === 0) return
    const identifiers = new Array<string | null>(rows.length)
    const payloads = new Array<string>(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as StagedRow
      identifiers[i] = row.identifier
      payloads[i] = row.payload
    }
    await this.ctx.pool.query(
      `INSERT INTO ${this.tables.model} (identifier, payload, hash)
       SELECT i, p, md5(p) FROM unnest($1::text[], $2::text[]) AS staged(i, p)`,
      [identifiers, payloads],
    )
    this.staged += rows.length
  }

  /**
   * Stages the model with one INSERT … SELECT inside the database, when the source is this very
   * database and the payload can be built in SQL exactly as the engine builds it (see
   * warehouse-payload.ts); otherwise (or if the state's role may not read the model) undefined, and
   * the engine stages the rows it reads.
   */
  async stageFromSource(request: SourceStageRequest): Promise<number | undefined> {
    const built = warehousePayloadSql(request.sync, request.columns)
    if ('unsupported' in built) return undefined
    if (!(await this.sameDatabase(request.source))) return undefined
    const client = await this.ctx.pool.connect()
    try {
      await client.query('BEGIN')
      // The text forms the source reads in (see @sluice/source-postgres), for this transaction only.
      await client.query("SET LOCAL TimeZone = 'UTC'")
      await client.query("SET LOCAL DateStyle = 'ISO'")
      const result = await client.query(
        `INSERT INTO ${this.tables.model} (identifier, payload, hash)
         SELECT identifier, payload, md5(payload) FROM (
           SELECT ${built.identifier} AS identifier, ${built.payload} AS payload FROM (${request.sql}) AS sluice_model
         ) AS built`,
      )
      await client.query('COMMIT')
      this.staged += result.rowCount ?? 0
      return result.rowCount ?? 0
    } catch {
      await client.query('ROLLBACK').catch(() => {})
      return undefined
    } finally {
      client.release()
    }
  }

  private sameDatabase(source: Source): Promise<boolean> {
    let known = sameDatabaseBySource.get(source)
    if (!known) {
      known = (async () => {
        try {
          const [mine] = (await this.ctx.pool.query<{ system: string; db: string }>(IDENTITY_SQL)).rows
          for await (const rows of source.query(IDENTITY_SQL)) {
            const theirs = rows[0]
            return theirs?.system === mine?.system && theirs?.db === mine?.db
          }
          return false
        } catch {
          return false
        }
      })()
      sameDatabaseBySource.set(source, known)
    }
    return known
  }

  async diff(options: DiffOptions): Promise<DiffSummary> {
    const { model, changes } = this.tables
    await this.ctx.pool.query(`ANALYZE ${model}`)
    const full = options.mode === 'full_resync'
    const since = literal(options.retryRejectedSince.toISOString())
    const kind = `CASE
        WHEN m.identifier IS NULL THEN 'null'
        WHEN dup.n IS NOT NULL THEN 'duplicate'
        ${full ? "WHEN true THEN 'added'" : ''}
        WHEN s.rejected_hash = m.hash AND s.rejected_at < ${since}::timestamptz AND s.hash IS DISTINCT FROM m.hash THEN 'expired'
        WHEN s.hash IS NULL THEN 'added'
        WHEN s.hash <> m.hash THEN 'changed'
        ELSE 'unchanged' END`
    const removed = options.removals && !full
    const sync = literal(this.ctx.sync)
    await this.ctx.pool.query(`DROP TABLE IF EXISTS ${changes}`)
    // Hash joins of millions of rows want more than the default 4 MB of work_mem, or they spill.
    await this.ctx.pool.query(`
      SET work_mem = '${WORK_MEM}';
      CREATE UNLOGGED TABLE ${changes} AS
      WITH dup AS (
        SELECT identifier, count(*) AS n FROM ${model}
        WHERE identifier IS NOT NULL GROUP BY identifier HAVING count(*) > 1
      ),
      s AS (SELECT identifier, hash, rejected_hash, rejected_at FROM ${this.snapshot} WHERE sync = ${sync}),
      m AS (SELECT identifier, payload, hash FROM ${model}),
      joined AS (
        SELECT ${kind} AS kind, m.identifier, m.hash, m.payload, s.rejected_hash, s.rejected_at, dup.n
        FROM m
        LEFT JOIN dup ON m.identifier = dup.identifier
        LEFT JOIN s ON m.identifier = s.identifier
        ${
          removed
            ? `UNION ALL
        SELECT 'removed', s.identifier, s.hash, NULL, s.rejected_hash, s.rejected_at, NULL
        FROM s WHERE s.hash IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${model} staged WHERE staged.identifier = s.identifier)`
            : ''
        }
      )
      SELECT * FROM joined WHERE kind <> 'unchanged';
      RESET work_mem`)
    this.diffed = true
    const counts = new Map<string, number>()
    const result = await this.ctx.pool.query<{ kind: string; n: string }>(
      `SELECT kind, count(*) AS n FROM ${changes} GROUP BY kind`,
    )
    for (const row of result.rows) counts.set(row.kind, Number(row.n))
    const get = (k: string) => counts.get(k) ?? 0
    const summary: DiffSummary = {
      staged: this.staged,
      null: get('null'),
      duplicate: get('duplicate'),
      added: get('added'),
      changed: get('changed'),
      removed: get('removed'),
      expired: get('expired'),
      unchanged: 0,
    }
    summary.unchanged =
      summary.staged - summary.null - summary.duplicate - summary.added - summary.changed - summary.expired
    return summary
  }

  async *changes(kinds: readonly ChangeKind[], chunkSize = 2048): AsyncIterable<Change[]> {
    if (!this.diffed) throw new Error('changes() before diff()')
    const client = await this.ctx.pool.connect()
    const cursor = client.query(
      new (pgCursor())<{
        kind: ChangeKind
        identifier: string | null
        hash: string
        payload: string | null
        rejected_hash: string | null
        rejected_at: Date | null
        n: string | null
      }>(
        `SELECT kind, identifier, hash, payload, rejected_hash, rejected_at, n FROM ${this.tables.changes}
         WHERE kind = ANY($1::text[])`,
        [kinds],
      ),
    )
    let broken = false
    try {
      for (;;) {
        const rows = await cursor.read(chunkSize).catch((error: unknown) => {
          broken = true
          throw error
        })
        if (rows.length === 0) break
        yield rows.map((row) => {
          const change: Change = {
            kind: row.kind,
            identifier: row.identifier,
            hash: row.hash,
            payload: row.payload,
          }
          if (row.rejected_hash !== null && row.rejected_at !== null)
            change.rejected = { hash: row.rejected_hash, at: row.rejected_at }
          if (row.n !== null) change.occurrences = Number(row.n)
          return change
        })
        if (rows.length < chunkSize) break
      }
    } finally {
      await cursor.close().catch(() => {
        broken = true
      })
      client.release(broken)
    }
  }

  async commit(commit: SnapshotCommit): Promise<void> {
    if (commit.put.length + commit.remove.length + commit.reject.length === 0) return
    // One identifier once per statement (ON CONFLICT refuses a row twice); the last word wins.
    const puts = new Map(commit.put.map((p) => [p.identifier, p.hash]))
    const rejects = new Map(commit.reject.map((r) => [r.identifier, r]))
    await this.transaction(async (client) => {
      if (rejects.size > 0) {
        const rows = [...rejects.values()]
        await client.query(
          `INSERT INTO ${this.snapshot} (sync, identifier, rejected_hash, rejected_at)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[])
           ON CONFLICT (sync, identifier) DO UPDATE
             SET rejected_hash = EXCLUDED.rejected_hash, rejected_at = EXCLUDED.rejected_at`,
          [
            this.ctx.sync,
            rows.map((r) => r.identifier),
            rows.map((r) => r.hash),
            rows.map((r) => r.firstRejectedAt.toISOString()),
          ],
        )
      }
      if (puts.size > 0) {
        await client.query(
          `INSERT INTO ${this.snapshot} (sync, identifier, hash)
           SELECT $1, * FROM unnest($2::text[], $3::text[])
           ON CONFLICT (sync, identifier) DO UPDATE
             SET hash = EXCLUDED.hash, rejected_hash = NULL, rejected_at = NULL`,
          [this.ctx.sync, [...puts.keys()], [...puts.values()]],
        )
      }
      if (commit.remove.length > 0) {
        await client.query(`DELETE FROM ${this.snapshot} WHERE sync = $1 AND identifier = ANY($2::text[])`, [
          this.ctx.sync,
          commit.remove,
        ])
      }
    })
  }

  async replaceSnapshot(): Promise<void> {
    const { model } = this.tables
    await this.transaction(async (client) => {
      await client.query(`DELETE FROM ${this.snapshot} WHERE sync = $1`, [this.ctx.sync])
      await client.query(
        `INSERT INTO ${this.snapshot} (sync, identifier, hash)
         SELECT $1, m.identifier, m.hash FROM ${model} m
         WHERE m.identifier IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM (SELECT identifier FROM ${model} WHERE identifier IS NOT NULL
                          GROUP BY identifier HAVING count(*) > 1) duplicated
           WHERE duplicated.identifier = m.identifier)`,
        [this.ctx.sync],
      )
    })
  }

  async close(): Promise<void> {
    await this.ctx.pool.query(`DROP TABLE IF EXISTS ${this.tables.model}, ${this.tables.changes}`)
  }

  /** A transaction that commits only while this store still holds the run lock (when it holds one). */
  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.ctx.pool.connect()
    try {
      await client.query('BEGIN')
      const lock = this.ctx.lock()
      if (lock) await assertStillHeld(client, lock, this.ctx.schema, this.ctx.sync)
      await work(client)
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
}
