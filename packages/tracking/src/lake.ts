import type { RunRecord, TrackingBatch, TrackingSink } from '@sluice/core'
import { type Logger, SluiceError, silentLogger } from '@sluice/core/contract'
import { BatchSummaries } from './batch-summaries.js'
import { BatchWriter } from './batch-writer.js'
import { lakeDatabase } from './database.js'
import { type ExportQuery, exportRecords } from './export.js'
import { IdentifierFilters } from './identifier-filters.js'
import { PURGED, segment, syncFolder } from './layout.js'
import { localFolderStorage } from './local-folder-storage.js'
import type { PurgedRun } from './purged-run.js'
import {
  counts,
  type RecordFilter,
  type RecordsPage,
  type RecordsQuery,
  type RejectionGroup,
  type RunRef,
  type RunTrackingCounts,
  records,
  rejectionSummary,
  sample,
  search,
  type TrackedRow,
} from './queries.js'
import {
  DEFAULT_RETENTION_DAYS,
  type PurgeOptions,
  type PurgeResult,
  purge,
  readPurgedNote,
  runsIn,
} from './retention.js'
import { type LakeContext, type RunTrackingState, runState } from './run-files.js'
import type { LakeStorage } from './storage.js'
import {
  DEFAULT_LOG_SCHEMA,
  type WarehouseLogResult,
  type WarehouseLogTarget,
  writeWarehouseLogs,
} from './warehouse-logs.js'

export interface TrackingLakeOptions {
  /** the lake folder (`settings.lake.path`, `.sluice/lake` by default); not needed with `storage` */
  path?: string
  /** the organisation folder queries read under `sync_tracking_datasets/`; `default` when absent */
  org?: string
  /** where the files live; a local folder at `path` when absent */
  storage?: LakeStorage
  /** runs older than this are purged after every run; 14 days when absent */
  retentionDays?: number
  /** write each finished run's summary and failed rows back into its source warehouse */
  warehouseLogs?: {
    /** the schema the log tables live in; `sluice_logs` when absent */
    schema?: string
    /** the warehouse of a sync (its model's source); undefined for a sync whose runs are not logged */
    target(sync: string): WarehouseLogTarget | undefined | Promise<WarehouseLogTarget | undefined>
  }
  logger?: Logger
}

/** A run the lake knows about, with its files or the note its purge left. */
export interface LakeRun {
  runId: string
  state: 'present' | 'purged'
  files: number
  bytes: number
  /** ISO-8601: when the run's last batch file was written */
  lastWriteAt: string
  /** for a purged run */
  purgedAt?: string
  retentionDays?: number
}

/** The tracking lake: the engine's TrackingSink, and the questions the CLI and the UI ask of it. */
export interface TrackingLake extends Required<TrackingSink> {
  readonly org: string
  /** the folder or URL of the lake */
  readonly location: string
  readonly retentionDays: number
  /** writes one batch as `<batch_type>.<batch_number>.parquet`; readable when this resolves */
  write(batch: TrackingBatch): Promise<void>
  /** writes the run's warehouse logs (when configured), then purges runs past the retention */
  runFinished(run: RunRecord): Promise<void>

  /** a run's records filtered by status, operation or identifier, a page at a time (100 by default) */
  records(query: RecordsQuery): Promise<RecordsPage>
  /** an identifier's rows in one run, or in every run of the sync still in the lake; newest first */
  search(query: { sync: string; identifier: string; runId?: string; limit?: number }): Promise<TrackedRow[]>
  /** up to 100 rejected and invalid rows (or the statuses asked for) with their reasons */
  sample(query: RunRef & { status?: RecordFilter['status']; limit?: number }): Promise<TrackedRow[]>
  /** failed rows grouped by status and message: count and a few identifiers each */
  rejectionSummary(
    query: RunRef & { status?: RecordFilter['status']; examples?: number },
  ): Promise<RejectionGroup[]>
  /** rows by status and by operation, batches written, first and last batch times */
  counts(query: RunRef): Promise<RunTrackingCounts>
  /** a run's filtered records as CSV or JSON lines, to a file or a stream */
  export(query: ExportQuery): Promise<{ rows: number }>
  /** whether the lake holds a run's rows, had them purged, or never had any */
  runState(query: RunRef): Promise<RunTrackingState>
  /** the runs of a sync in the lake, purged ones included, newest first */
  runs(sync: string): Promise<LakeRun[]>
  /** removes runs older than the retention (or `olderThanDays`) and says which */
  purge(options?: PurgeOptions): Promise<PurgeResult>
  /** writes one run's warehouse logs to a target now */
  writeWarehouseLogs(
    run: RunRecord,
    target: WarehouseLogTarget,
    options?: { schema?: string },
  ): Promise<WarehouseLogResult>
  /** closes the lake's DuckDB; the files stay */
  close(): Promise<void>
}

export function createTrackingLake(options: TrackingLakeOptions): TrackingLake {
  const storage =
    options.storage ?? (options.path !== undefined ? localFolderStorage(options.path) : undefined)
  if (!storage) {
    throw new SluiceError('config', 'the tracking lake needs a path or a storage.', {
      component: 'tracking',
      code: 'INVALID_CONFIG',
      hint: 'Set settings.lake.path.',
    })
  }
  const org = segment('org', options.org ?? 'default')
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS
  if (!Number.isFinite(retentionDays) || retentionDays < 1) {
    throw new SluiceError('config', `retentionDays must be at least 1, not ${retentionDays}.`, {
      component: 'tracking',
      code: 'INVALID_CONFIG',
    })
  }
  const logger = options.logger ?? silentLogger
  const database = lakeDatabase()
  const writer = new BatchWriter(database.writer, storage)
  const lake: LakeContext = {
    storage,
    org,
    connection: database.reader,
    summaries: new BatchSummaries(),
    identifiers: new IdentifierFilters(),
  }

  const logRun = async (run: RunRecord) => {
    const settings = options.warehouseLogs
    const target = settings && (await settings.target(run.sync))
    if (!settings || !target) return
    const written = await writeWarehouseLogs(lake, target, run, {
      schema: settings.schema ?? DEFAULT_LOG_SCHEMA,
    })
    logger.info('wrote warehouse sync logs', { run: run.id, sync: run.sync, ...written })
  }

  return {
    org,
    location: storage.location,
    retentionDays,

    async write(batch) {
      // The batch names its own org (the engine's); queries read the lake's.
      await writer.write(batch)
    },

    async runFinished(run) {
      // Both steps run even when one fails: a warehouse that is down must not stop the purge.
      const failures: unknown[] = []
      await logRun(run).catch((error: unknown) => failures.push(error))
      await purge(storage, retentionDays)
        .then((result) => {
          if (result.removed.length) logger.info('purged tracking runs', { removed: result.removed.length })
        })
        .catch((error: unknown) => failures.push(error))
      if (failures.length === 1) throw failures[0]
      if (failures.length > 1) {
        throw new SluiceError(
          'internal',
          `after run ${run.id}: ${failures.map((f) => (f as Error).message).join('; ')}`,
          { component: 'tracking', code: 'RUN_FINISHED_FAILED', cause: failures[0] },
        )
      }
    },

    records: (query) => records(lake, query),
    search: (query) => search(lake, query),
    sample: (query) => sample(lake, query),
    rejectionSummary: (query) => rejectionSummary(lake, query),
    counts: (query) => counts(lake, query),
    export: (query) => exportRecords(lake, query),
    runState: (query) => runState(lake, query.sync, query.runId),

    async runs(sync) {
      const present = runsIn(await storage.list(syncFolder(org, sync))).map(
        (run): LakeRun => ({
          runId: run.runId,
          state: 'present',
          files: run.files.length,
          bytes: run.files.reduce((sum, file) => sum + file.size, 0),
          lastWriteAt: run.lastWriteAt.toISOString(),
        }),
      )
      const seen = new Set(present.map((run) => run.runId))
      const notes = await storage.list(`${PURGED}/${org}/${segment('sync', sync)}/`)
      const purged: LakeRun[] = []
      for (const note of notes) {
        const runId = note.path.slice(note.path.lastIndexOf('/') + 1).replace(/\.json$/, '')
        if (seen.has(runId)) continue
        const known: PurgedRun | undefined = await readPurgedNote(storage, { org, sync, runId })
        if (!known) continue
        purged.push({
          runId,
          state: 'purged',
          files: known.files,
          bytes: known.bytes,
          lastWriteAt: known.lastWriteAt,
          purgedAt: known.purgedAt,
          retentionDays: known.retentionDays,
        })
      }
      // Object stores keep times to the second: runs written in the same second go by id, which
      // sorts by start time.
      return [...present, ...purged].sort(
        (a, b) => b.lastWriteAt.localeCompare(a.lastWriteAt) || b.runId.localeCompare(a.runId),
      )
    },

    purge: (purgeOptions) => purge(storage, retentionDays, purgeOptions),
    writeWarehouseLogs: (run, target, logOptions) => writeWarehouseLogs(lake, target, run, logOptions),
    close: () => database.close(),
  }
}
