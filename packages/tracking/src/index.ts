export { TRACKING_COLUMNS } from './columns.js'
export type { ExportFormat, ExportQuery } from './export.js'
export { createTrackingLake, type LakeRun, type TrackingLake, type TrackingLakeOptions } from './lake.js'
export { DATASETS, PURGED } from './layout.js'
export { localFolderStorage } from './local-folder-storage.js'
export { isRunPurged, type PurgedRun, RunPurgedError } from './purged-run.js'
export {
  DEFAULT_PAGE_SIZE,
  FAILED_STATUSES,
  INVALID_STATUSES,
  MAX_SAMPLE,
  type RecordFilter,
  type RecordPosition,
  type RecordsPage,
  type RecordsQuery,
  type RejectionGroup,
  type RunRef,
  type RunTrackingCounts,
  type TrackedRow,
} from './queries.js'
export { DEFAULT_RETENTION_DAYS, type PurgeOptions, type PurgeResult } from './retention.js'
export type { RunTrackingState } from './run-files.js'
export { type S3StorageOptions, s3Client, s3Storage } from './s3-storage.js'
export type { LakeEntry, LakeStorage } from './storage.js'
export { DEFAULT_LOG_SCHEMA, type WarehouseLogResult, type WarehouseLogTarget } from './warehouse-logs.js'
