/**
 * `@sluice/core/contract`: everything a connector author needs, and nothing of the engine, the config
 * loader or connector discovery. A connector imports from here and from `@sluice/core/http`.
 */

export { mapConcurrently, Semaphore, sleep } from '../concurrency.js'
export {
  type ErrorCategory,
  isRetryable,
  isSluiceError,
  SluiceError,
  type SluiceErrorOptions,
  toSluiceError,
} from '../errors.js'
export type { RetryBudget } from '../http/types.js'
export { type Logger, redactingLogger, silentLogger } from '../logger.js'
export { redact, redactError, registerSecret } from '../redact.js'
export type { Catalog, CatalogField, CatalogObject } from './catalog.js'
export {
  capabilitiesOf,
  defineDestination,
  defineSource,
  destinationProblems,
  sourceProblems,
} from './define.js'
export type {
  ConnectorContext,
  Destination,
  DestinationCapabilities,
  DestinationConnector,
  DestinationDefinition,
  RateLimit,
  RunInfo,
} from './destination.js'
export {
  BEHAVIOURS,
  type Behaviour,
  DELETE_BEHAVIOURS,
  type DeleteBehaviour,
  OPERATIONS,
  type Operation,
  type OutboundRecord,
  type RecordResult,
  type Row,
  rejected,
  succeeded,
  type Value,
  type WriteBatch,
} from './records.js'
export type {
  ColumnInfo,
  QueryOptions,
  Source,
  SourceCapabilities,
  SourceConnector,
  SourceDefinition,
} from './source.js'
