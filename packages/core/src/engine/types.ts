import type { ModelConfig, SyncConfig } from '../config/schema.js'
import type { Destination, DestinationCapabilities } from '../contract/destination.js'
import type { Operation, OutboundRecord } from '../contract/records.js'
import type { Source, SourceCapabilities } from '../contract/source.js'
import type { Logger } from '../logger.js'
import type { PerOperation, RunCounts, RunMode, RunRecord, RunStatus, TrackingSink } from '../run.js'
import type { StateStore } from './state.js'

export interface RunSyncOptions {
  /** the sync's name (the key in the project config) */
  syncName: string
  sync: SyncConfig
  model: ModelConfig
  /** the connected source and what its connector declares */
  source: Source
  sourceCapabilities: SourceCapabilities
  /** the connected destination and what its connector declares */
  destination: Destination
  destinationCapabilities: DestinationCapabilities
  state: StateStore
  /** row-level results; without one, nothing is tracked */
  tracking?: TrackingSink
  /** the organisation in tracking paths; `default` when absent */
  org?: string
  /** `incremental` (default), `full_resync` or `reset_cdc` */
  mode?: RunMode
  /** plan and count, send nothing, commit nothing */
  dryRun?: boolean
  /** run even when a safeguard would stop it (`sluice run --force`) */
  force?: boolean
  /** how many days a rejected row is retried with unchanged data (default 14) */
  rejectedRetryDays?: number
  /** cancels the run: it ends `cancelled`, keeping what was committed */
  signal?: AbortSignal
  /** the clock (tests move it to age rejections) */
  now?: () => Date
  onProgress?: (progress: RunProgress) => void
  log?: Logger
  /** the folder a relative dbt manifest is read from */
  projectDir?: string
  /** the most records per commit (tracking file + snapshot delta); a multiple of the request size */
  commitSize?: number
  /** the longest answered records wait before they are committed, in milliseconds */
  commitIntervalMs?: number
  /** how many mapped records a dry run returns (default 5) */
  previewSize?: number
  /** the run's id; generated when absent */
  runId?: string
}

export interface RunProgress {
  runId: string
  phase: RunStatus
  counts: RunCounts
  /** requests the destination has answered */
  batchesSent: number
  /** records the destination has refused so far */
  rejected: number
}

export interface RunSyncResult {
  run: RunRecord
  /** dry run: how many records each operation would send */
  planned?: PerOperation
  /** dry run: the first few records as they would be sent */
  preview?: Array<{ operation: Operation; record: OutboundRecord }>
}
