import type { SyncConfig } from '../config/schema.js'
import type { Value } from '../contract/records.js'
import type { ColumnInfo, Source, SourceCapabilities } from '../contract/source.js'
import type { RunMode, RunRecord, RunStatus } from '../run.js'

/**
 * What the engine needs from a state store, and what the CLI reads from it. `@sluice/state-store`
 * implements it over DuckDB and files; a Postgres backend (state kept in the warehouse) implements
 * the same interface.
 */
export interface StateStore {
  /**
   * Takes the sync's run lock, across processes. Refuses (a `conflict` SluiceError naming the running
   * run) while another live run holds it; a lock left by a dead process is taken over, and that run
   * is marked `incomplete` in the ledger.
   */
  acquireLock(sync: string, runId: string): Promise<RunLock>
  /** opens a diff session over the sync's snapshot; only the lock holder may commit through it */
  openDiff(sync: string): Promise<DiffSession>

  /** the cursor of the last wholly successful run in cursor mode */
  getCursor(sync: string): Promise<Value | undefined>
  setCursor(sync: string, value: Value | undefined): Promise<void>
  /** the sync's acknowledgement journal (`journal.ts`): answers made durable before they are committed */
  journal(sync: string): AckJournal
  /** forgets the snapshot, rejections, journal and cursor: the next run sends every row as added */
  reset(sync: string): Promise<void>

  /** writes a run to the ledger (called as the run progresses; readers see the latest write) */
  saveRun(run: RunRecord): Promise<void>
  getRun(sync: string, runId: string): Promise<RunRecord | undefined>
  /** runs, newest first */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>
  /** each sync's health from its latest run */
  syncOverview(syncs: Readonly<Record<string, SyncConfig>>): Promise<SyncOverview[]>

  close(): Promise<void>
}

/**
 * Where a sync's acknowledgements wait to be committed, as lines of text in numbered segments (one
 * per commit group) per run. Only the holder of the sync's run lock writes or drops.
 */
export interface AckJournal {
  /** appends lines to a run's segment; they are durable when this resolves */
  append(runId: string, segment: number, lines: readonly string[]): Promise<void>
  /** removes a segment (its acknowledgements are committed); nothing when it is absent */
  drop(runId: string, segment: number): Promise<void>
  /** every segment left, with its lines in the order they were appended */
  left(): Promise<Array<{ runId: string; segment: number; lines: string[] }>>
  /** lets go of what appends keep open (the segments stay); a later append opens again */
  close?(): Promise<void>
}

export interface RunLock {
  readonly runId: string
  release(): Promise<void>
}

export interface RunFilter {
  sync?: string
  status?: RunStatus | readonly RunStatus[]
  /** runs started at or after */
  since?: Date
  /** runs started before */
  until?: Date
  limit?: number
}

/** A sync's health as an overview shows it. */
export type SyncHealth = 'healthy' | 'pending' | 'disabled' | 'in_progress' | 'partially_succeeded' | 'failed'

export interface SyncOverview {
  sync: string
  model: string
  destination: string
  object: string
  behaviour: string
  enabled: boolean
  health: SyncHealth
  /** the latest run (of any status) */
  lastRun?: RunRecord
  /** when the latest run started */
  lastRunAt?: string
}

/** One row of the model as the diff sees it. */
export interface StagedRow {
  /** the identifier as text; null for a NULL identifier */
  identifier: string | null
  /**
   * The mapped payload as JSON text (`stringifyExact`). Its hash is `rowHash(payload)`: the MD5 of the
   * text, as hex. The store computes it where the data is (DuckDB's or Postgres's `md5()`), which is
   * cheaper than hashing row by row in JS and gives the same value.
   */
  payload: string
}

/** How a row of the model (or of the snapshot) differs from what the destination last acknowledged. */
export type ChangeKind = 'null' | 'duplicate' | 'added' | 'changed' | 'removed'

export interface Change {
  kind: ChangeKind
  identifier: string | null
  /** the model row's hash; for `removed` the snapshot's */
  hash: string
  /** the mapped payload; null for `removed` */
  payload: string | null
  /** the earlier rejection of this identifier, if the destination refused it before */
  rejected?: { hash: string; at: Date }
  /** for `duplicate`: how many rows share the identifier */
  occurrences?: number
}

export interface DiffOptions {
  mode: RunMode
  /** false in cursor mode: rows missing from the query are not removed */
  removals: boolean
  /** a row rejected with the same hash before this instant is not retried (counted as expired) */
  retryRejectedSince: Date
}

export interface DiffSummary {
  staged: number
  null: number
  duplicate: number
  added: number
  changed: number
  removed: number
  unchanged: number
  /** added or changed rows whose rejection (with this very hash) is older than the retry age */
  expired: number
}

/** What a store needs to stage a model from the warehouse itself. */
export interface SourceStageRequest {
  source: Source
  /** the SQL dialect of the source (its capabilities): a store stages only from a database it can read */
  dialect: SourceCapabilities['dialect']
  /** the model's SQL, as the engine would read it */
  sql: string
  /** the model's columns and their warehouse types (`Source.describe`) */
  columns: readonly ColumnInfo[]
  sync: Pick<SyncConfig, 'identifier' | 'mappings' | 'syncAllProperties'>
}

/** What one commit changes in the snapshot. */
export interface SnapshotCommit {
  /** acknowledged rows: the snapshot takes this hash, any rejection is forgotten */
  put: Array<{ identifier: string; hash: string }>
  /** rows that leave the snapshot (deleted, cleared, or removed without an operation) */
  remove: string[]
  /** rows the destination refused: not in the snapshot, so the next run retries them */
  reject: Array<{ identifier: string; hash: string; firstRejectedAt: Date }>
}

/**
 * One run's diff: the model is staged, compared with the snapshot in SQL, and the changes are read
 * back in chunks. Commits are durable when `commit` resolves.
 */
export interface DiffSession {
  stage(rows: readonly StagedRow[]): Promise<void>
  /**
   * Optional: stages the model inside the warehouse, when the store lives in the source's own
   * database and can build the payload text there exactly as the engine would; only the changes
   * then leave the warehouse. Resolves to the number of rows staged, or undefined when it cannot
   * (another database, a mapping or column type it cannot build identically): the engine then reads
   * the rows and calls `stage`.
   */
  stageFromSource?(request: SourceStageRequest): Promise<number | undefined>
  diff(options: DiffOptions): Promise<DiffSummary>
  /** the changes of the given kinds (after `diff`), in chunks; expired rows are left out */
  changes(kinds: readonly ChangeKind[], chunkSize?: number): AsyncIterable<Change[]>
  commit(commit: SnapshotCommit): Promise<void>
  /** reset CDC: the staged rows (less invalid ones) become the snapshot; rejections are forgotten */
  replaceSnapshot(): Promise<void>
  close(): Promise<void>
}
