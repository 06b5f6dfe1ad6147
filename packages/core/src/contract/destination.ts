import type { Static, TSchema } from 'typebox'
import type { RetryBudget } from '../http/types.js'
import type { Logger } from '../logger.js'
import type { Catalog } from './catalog.js'
import type { Behaviour, DeleteBehaviour, RecordResult, WriteBatch } from './records.js'

/** A rate limit as a destination documents it: at most `requests` per `perMs` milliseconds. */
export interface RateLimit {
  requests: number
  perMs: number
}

/**
 * What a destination can do. The engine reads `batchSize` and `concurrency`; config validation reads
 * the behaviours; the HTTP toolkit and the conformance kit read the rate limit.
 */
export interface DestinationCapabilities {
  /** behaviours allowed on any object that `objects` does not list */
  behaviours: readonly Behaviour[]
  /** objects with their own behaviours (Braze `events` are append-only, `users` are not) */
  objects?: Readonly<Record<string, { behaviours: readonly Behaviour[]; description?: string }>>
  /** what mirror may do with removed rows; defaults to all three */
  deleteBehaviours?: readonly DeleteBehaviour[]
  /** at most this many records in one `write()` */
  batchSize: number
  /** at most this many `write()` calls in flight at once */
  concurrency: number
  /** the documented request rate limit, enforced inside the connector's HTTP client */
  rateLimit?: RateLimit
  /** mapping "sync all properties" creates fields the destination does not have yet */
  syncAllProperties?: boolean
}

/** The run a destination call belongs to, for connectors that name what they write after it. */
export interface RunInfo {
  /** the run's id: sorts by start time and is safe in file names */
  id: string
  /** the sync's name (the key in the project config) */
  sync: string
  /** ISO-8601, UTC */
  startedAt: string
}

/** Given to every connector call. */
export interface ConnectorContext {
  /** cancels in-flight work: the run was cancelled or failed */
  signal: AbortSignal
  log: Logger
  /**
   * The run's retry budget, shared by every request of the run: hand it to `createHttpClient`
   * (`retry.budget`) when connecting, so a destination that keeps failing fails the run in bounded time.
   */
  retryBudget?: RetryBudget
  /** set by the engine for the calls of a run (`write`, `validate`, `finishRun`) */
  run?: RunInfo
}

/** What the runner and the engine hold once a destination is connected with its config. */
export interface Destination {
  /** credentials and reachability; throws a SluiceError (auth, connection, config) with a clear message */
  check(ctx: ConnectorContext): Promise<void>
  /** objects, fields, types, identifier candidates */
  discover(ctx: ConnectorContext): Promise<Catalog>
  /**
   * The connector's own validation before sending: one entry per record, `undefined` when the record
   * may be sent, otherwise the reason it is invalid (it is tracked as `invalid` and never sent).
   */
  validate?(batch: WriteBatch, ctx: ConnectorContext): Promise<Array<string | undefined>>
  /**
   * Applies a batch. Returns exactly one result per record, in the batch's order. A per-record refusal
   * is a `rejected` result; an error about the whole request (auth, unknown object, retries exhausted)
   * is thrown as a SluiceError and fails the run.
   */
  write(batch: WriteBatch, ctx: ConnectorContext): Promise<RecordResult[]>
  /**
   * Called once, after every batch of a run was answered and committed, and only when the run is
   * about to succeed (not when it failed or was cancelled). A destination that finalises a run's
   * output here (a manifest listing the files the run wrote) makes it visible to readers; throwing
   * fails the run. The rows already committed stay committed: `write` acknowledged them.
   */
  finishRun?(ctx: ConnectorContext): Promise<void>
  /**
   * The destination holds a whole copy of the model per run (a snapshot of files), so every row is
   * sent each run: the engine runs an incremental run as a full resync.
   */
  readonly wantsEveryRow?: boolean
  /** releases pools, timers and tokens */
  close?(): Promise<void>
}

export interface DestinationDefinition<S extends TSchema = TSchema> {
  /** the connector id: `braze` for `@sluice/destination-braze` */
  name: string
  /** the config schema, with defaults and descriptions; secrets are marked `{ secret: true }` */
  config: S
  /** what the connector can do; with `capabilitiesFor`, the most that any config can reach */
  capabilities: DestinationCapabilities
  /**
   * The capabilities of one configured instance, when they come from its config (a generic HTTP
   * destination's behaviours, batch size, concurrency and rate limit). They must lie within
   * `capabilities`. Read them with `capabilitiesOf(connector, config)`; default `capabilities`.
   */
  capabilitiesFor?(config: Static<S>): DestinationCapabilities
  /** creates the connected instance; clients inside are created lazily */
  connect(config: Static<S>, ctx: ConnectorContext): Destination
}

export interface DestinationConnector<S extends TSchema = TSchema> extends DestinationDefinition<S> {
  readonly kind: 'destination'
}
