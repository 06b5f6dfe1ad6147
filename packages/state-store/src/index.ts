export type { DatabaseOptions } from './database.js'
export type { DamagedFile, DamagedKind, Quarantined } from './doctor.js'
export type { LeaseOptions, LockHolder } from './lock.js'
export { LATEST_VERSION as POSTGRES_STATE_VERSION } from './postgres/migrations.js'
export {
  createPostgresStateStore,
  type PostgresStateStore,
  type PostgresStateStoreOptions,
} from './postgres/state-store.js'
export type { InspectableStateStore, SnapshotEntry } from './snapshot-reader.js'
export { createStateStore, type DuckDBStateStore, type StateStoreOptions } from './state-store.js'
