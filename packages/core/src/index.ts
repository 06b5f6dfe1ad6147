/**
 * `@sluice/core`: what the runner and the packages it wires together use: the project config, the run
 * engine and the interfaces it drives (state store, tracking sink), run records and defaults. It also
 * re-exports the connector contract (`@sluice/core/contract`), which is what connectors import instead.
 */
export * from './config/index.js'
export * from './contract/index.js'
export { DEFAULTS } from './defaults.js'
export * from './engine/index.js'
export { rateLimitScope, type SharedRateLimits, withSharedRateLimits } from './http/shared-quota.js'
export { forgetSecrets } from './redact.js'
export {
  emptyCounts,
  FINAL_STATUSES,
  type PerOperation,
  RUN_STATUSES,
  type RunCounts,
  type RunMode,
  type RunRecord,
  type RunStatus,
  TRACKING_STATUSES,
  type TrackedRecord,
  type TrackingBatch,
  type TrackingSink,
  type TrackingStatus,
} from './run.js'
