export type { DatabaseOptions } from './database.js'
export type { LeaseOptions, LockHolder } from './lock.js'
export {
  createStateStore,
  type DuckDBStateStore,
  type SnapshotEntry,
  type StateStoreOptions,
} from './state-store.js'
