import { hostname } from 'node:os'
import {
  FINAL_STATUSES,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  redact,
  type SyncConfig,
  type SyncOverview,
} from '@sluice/core'
import type pg from 'pg'
import { health } from '../ledger.js'
import { lockKeys, schemaIdentifier } from './sql.js'

/**
 * The run ledger in the `runs` table: one row per run, replaced as the run progresses. A run the
 * ledger says is going, whose lock is no longer held, reads as `incomplete` (its process died).
 */
export class PostgresLedger {
  private readonly s: string
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {
    this.s = schemaIdentifier(schema)
  }

  async save(run: RunRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.runs (sync, id, status, started_at, record, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (sync, id) DO UPDATE SET status = EXCLUDED.status, started_at = EXCLUDED.started_at,
         record = EXCLUDED.record, updated_at = now()`,
      // a run's error may quote an API's answer: stored redacted, like the embedded ledger's files
      [run.sync, run.id, run.status, run.startedAt, redact(JSON.stringify(run))],
    )
  }

  async get(sync: string, runId: string): Promise<RunRecord | undefined> {
    const result = await this.pool.query<{ record: RunRecord }>(
      `SELECT record FROM ${this.s}.runs WHERE sync = $1 AND id = $2`,
      [sync, runId],
    )
    const run = result.rows[0]?.record
    return run && (await this.withLiveness(run))
  }

  async list(filter: RunFilter = {}): Promise<RunRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const param = (value: unknown) => {
      params.push(value)
      return `$${params.length}`
    }
    if (filter.sync !== undefined) where.push(`sync = ${param(filter.sync)}`)
    if (filter.since) where.push(`started_at >= ${param(filter.since.toISOString())}`)
    if (filter.until) where.push(`started_at < ${param(filter.until.toISOString())}`)
    const statuses = filter.status === undefined ? undefined : new Set<RunStatus>([filter.status].flat())
    if (statuses) {
      // A run stored as in progress may read as incomplete: keep those candidates when asked for it.
      const stored = [...statuses]
      if (statuses.has('incomplete')) stored.push('pending', 'querying', 'preparing', 'queued', 'in_progress')
      where.push(`status = ANY(${param(stored)}::text[])`)
    }
    // With a status filter, liveness decides some statuses: the limit applies after it, in JS.
    const limit =
      filter.limit === undefined || statuses ? '' : `LIMIT ${param(Math.max(0, Math.floor(filter.limit)))}`
    const result = await this.pool.query<{ record: RunRecord }>(
      `SELECT record FROM ${this.s}.runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC ${limit}`,
      params,
    )
    const out: RunRecord[] = []
    for (const row of result.rows) {
      if (filter.limit !== undefined && out.length >= filter.limit) break
      const run = await this.withLiveness(row.record)
      if (statuses && !statuses.has(run.status)) continue
      out.push(run)
    }
    return out
  }

  async overview(syncs: Readonly<Record<string, SyncConfig>>): Promise<SyncOverview[]> {
    const out: SyncOverview[] = []
    for (const [name, sync] of Object.entries(syncs)) {
      const runs = await this.list({ sync: name, limit: 20 })
      const latest = runs[0]
      const enabled = sync.enabled !== false
      out.push({
        sync: name,
        model: sync.model,
        destination: sync.destination,
        object: sync.object,
        behaviour: sync.behaviour,
        enabled,
        health: health(enabled, runs),
        ...(latest ? { lastRun: latest, lastRunAt: latest.startedAt } : {}),
      })
    }
    return out
  }

  async markIncomplete(sync: string, runId: string, reason: string): Promise<void> {
    const result = await this.pool.query<{ record: RunRecord }>(
      `SELECT record FROM ${this.s}.runs WHERE sync = $1 AND id = $2`,
      [sync, runId],
    )
    const run = result.rows[0]?.record
    if (!run || FINAL_STATUSES.has(run.status)) return
    await this.save({
      ...run,
      status: 'incomplete',
      error: { category: 'internal', code: 'INTERRUPTED', message: reason },
    })
  }

  /**
   * An unfinished run is live while a session holds its sync's lock and the holder row names it; a
   * run of this very process that has no holder row yet (saved before its lock) is live too.
   */
  private async withLiveness(run: RunRecord): Promise<RunRecord> {
    if (FINAL_STATUSES.has(run.status)) return run
    const keys = lockKeys(this.schema, run.sync).unsigned
    const holder = await this.pool.query<{ run_id: string; live: boolean }>(
      `SELECT l.run_id, EXISTS (SELECT 1 FROM pg_locks p WHERE p.locktype = 'advisory' AND p.granted
         AND p.classid::bigint = $1 AND p.objid::bigint = $2 AND p.objsubid = 2 AND p.pid = l.backend_pid) AS live
       FROM ${this.s}.locks l WHERE l.sync = $3`,
      [...keys, run.sync],
    )
    const row = holder.rows[0]
    if (row?.live && row.run_id === run.id) return run
    if (!row && run.pid === process.pid && run.host === hostname()) return run
    return { ...run, status: 'incomplete' }
  }
}
