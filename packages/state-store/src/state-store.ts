import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { DuckDBInstance } from '@duckdb/node-api'
import {
  type DiffSession,
  parseJson,
  type RunFilter,
  type RunLock,
  type RunRecord,
  type SyncConfig,
  type SyncOverview,
  stringifyExact,
} from '@sluice/core'
import type { Value } from '@sluice/core/contract'
import { type DatabaseOptions, openDatabase, removeSpillFolder, spillFolder } from './database.js'
import { DuckDBDiffSession } from './diff-session.js'
import { type DamagedFile, examineState, type Quarantined, quarantineFiles } from './doctor.js'
import { readJson, removeQuietly, writeFileAtomic } from './files.js'
import { journalFiles } from './journal-files.js'
import { Layout } from './layout.js'
import { Ledger } from './ledger.js'
import { acquireLockFile, breakLockFile, type LeaseOptions, type LockHolder } from './lock.js'
import { currentStateSql, listSnapshot, snapshotError } from './snapshot-files.js'
import type { InspectableStateStore } from './snapshot-reader.js'

export interface StateStoreOptions extends DatabaseOptions {
  /** the state folder, `.sluice/state` in a project */
  path: string
  /** the run lock's lease: how long it lives without a heartbeat, and how often a run renews it */
  lease?: LeaseOptions
}

export type { SnapshotEntry } from './snapshot-reader.js'

export interface DuckDBStateStore extends InspectableStateStore {
  readonly path: string
  /** where this store's DuckDB spills beyond its memory limit (removed when the store closes) */
  readonly spillFolder: string
  /**
   * Removes a sync's run lock whatever holds it (for a person who knows its run is dead) and marks
   * that run incomplete; the holder removed, or undefined when the sync was not locked.
   */
  unlock(sync: string): Promise<LockHolder | undefined>
  /** every state file that cannot be read (ledger files, snapshot files, cursors), for `sluice doctor` */
  examine(): Promise<DamagedFile[]>
  /**
   * Moves damaged files into `<state>/quarantine/<time>/`, under each sync's run lock (refused while
   * the sync runs). Rows a quarantined snapshot file recorded as synced are sent again by the next run.
   */
  quarantine(damaged: readonly DamagedFile[]): Promise<Quarantined[]>
}

/**
 * The embedded state store: files under `path` that any process can read while another runs a sync
 * (see docs/adr/0002-state-store-design.md), and an in-process DuckDB as the diff engine.
 */
export function createStateStore(options: StateStoreOptions): DuckDBStateStore {
  const root = resolve(options.path)
  const layout = new Layout(root)
  const ledger = new Ledger(layout)
  let database: Promise<DuckDBInstance> | undefined
  const spill = spillFolder(options)
  const db = () => {
    database ??= openDatabase(options, spill)
    return database
  }

  const readState = async <T>(sync: string, read: (sql: string, instance: DuckDBInstance) => Promise<T>) => {
    // A compaction may remove files between listing and reading them: list again and retry.
    for (let attempt = 0; ; attempt++) {
      const files = await listSnapshot(layout.snapshotDir(sync))
      try {
        return await read(currentStateSql(files), await db())
      } catch (error) {
        if (attempt >= 3 || !/No files found|No such file|cannot open file/i.test(String(error)))
          throw snapshotError(error, layout.snapshotDir(sync))
      }
    }
  }

  return {
    path: root,
    spillFolder: spill,

    acquireLock(sync: string, runId: string): Promise<RunLock> {
      return acquireLockFile(
        layout.lockFile(sync),
        runId,
        (holder) =>
          ledger.markIncomplete(
            sync,
            holder.runId,
            `the process running it (pid ${holder.pid} on ${holder.host}) stopped before it finished`,
          ),
        `sync "${sync}"`,
        options.lease,
      )
    },

    async unlock(sync: string): Promise<LockHolder | undefined> {
      const removed = await breakLockFile(layout.lockFile(sync))
      if (removed === 'none') return undefined
      if (removed) {
        await ledger.markIncomplete(
          sync,
          removed.runId,
          `its lock was removed by "sluice unlock" (pid ${removed.pid} on ${removed.host})`,
        )
      }
      return removed ?? { runId: 'unknown', pid: 0, host: 'unknown', acquiredAt: '' }
    },

    async openDiff(sync: string): Promise<DiffSession> {
      return DuckDBDiffSession.open(await db(), layout.snapshotDir(sync), spill)
    },

    journal: (sync: string) => journalFiles(layout.journalDir(sync)),

    examine: () => examineState(layout, db),

    async quarantine(damaged: readonly DamagedFile[]): Promise<Quarantined[]> {
      const moved: Quarantined[] = []
      for (const sync of new Set(damaged.map((d) => d.sync))) {
        const lock = await this.acquireLock(sync, `doctor-${Date.now()}`)
        try {
          moved.push(
            ...(await quarantineFiles(
              layout,
              damaged.filter((d) => d.sync === sync),
            )),
          )
        } finally {
          await lock.release()
        }
      }
      return moved
    },

    async getCursor(sync: string): Promise<Value | undefined> {
      const stored = await readJson<{ json: string }>(layout.cursorFile(sync))
      return stored ? parseJson(stored.json) : undefined
    },

    async setCursor(sync: string, value: Value | undefined): Promise<void> {
      if (value === undefined) await removeQuietly(layout.cursorFile(sync))
      else await writeFileAtomic(layout.cursorFile(sync), JSON.stringify({ json: stringifyExact(value) }))
    },

    async reset(sync: string): Promise<void> {
      const lock = await this.acquireLock(sync, `reset-${Date.now()}`)
      try {
        await rm(layout.snapshotDir(sync), { recursive: true, force: true })
        await rm(layout.journalDir(sync), { recursive: true, force: true })
        await removeQuietly(layout.cursorFile(sync))
      } finally {
        await lock.release()
      }
    },

    saveRun: (run: RunRecord) => ledger.save(run),
    getRun: (sync: string, runId: string) => ledger.get(sync, runId),
    listRuns: (filter?: RunFilter) => ledger.list(filter),
    syncOverview: (syncs: Readonly<Record<string, SyncConfig>>): Promise<SyncOverview[]> =>
      ledger.overview(syncs),

    snapshotSummary(sync: string) {
      return readState(sync, async (sql, instance) => {
        const connection = await instance.connect()
        try {
          const reader = await connection.runAndReadAll(
            `SELECT count(hash)::BIGINT, count(rejected_hash)::BIGINT FROM (${sql})`,
          )
          const [rows, rejected] = reader.getRows()[0] ?? [0, 0]
          return { rows: Number(rows), rejected: Number(rejected) }
        } finally {
          connection.closeSync()
        }
      })
    },

    snapshotEntries(sync: string, query: { identifiers?: readonly string[]; limit?: number } = {}) {
      return readState(sync, async (sql, instance) => {
        const connection = await instance.connect()
        try {
          const where = query.identifiers
            ? `WHERE identifier IN (${query.identifiers.map((i) => `'${i.replace(/'/g, "''")}'`).join(', ') || 'NULL'})`
            : ''
          const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`
          const reader = await connection.runAndReadAll(
            `SELECT identifier, hash, rejected_hash, rejected_at FROM (${sql}) ${where} ORDER BY identifier ${limit}`,
          )
          return reader.getRows().map(([identifier, hash, rejectedHash, rejectedAt]) => ({
            identifier: String(identifier),
            hash: (hash ?? null) as string | null,
            ...(typeof rejectedHash === 'string'
              ? { rejected: { hash: rejectedHash, at: new Date(Number(rejectedAt)) } }
              : {}),
          }))
        } finally {
          connection.closeSync()
        }
      })
    },

    async close(): Promise<void> {
      if (!database) return
      const instance = await database
      database = undefined
      instance.closeSync()
      // DuckDB leaves its spill files behind: the folder goes with the store.
      removeSpillFolder(options, spill)
    },
  }
}
