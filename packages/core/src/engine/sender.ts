import { setMaxListeners } from 'node:events'
import { Semaphore } from '../concurrency.js'
import type { ConnectorContext, Destination, RunInfo } from '../contract/destination.js'
import type { Operation, OutboundRecord, RecordResult } from '../contract/records.js'
import { SluiceError, toSluiceError } from '../errors.js'
import { redact } from '../redact.js'
import type { RunCounts, TrackedRecord, TrackingBatch, TrackingSink } from '../run.js'
import { OPEN_GROUPS } from './batching.js'
import { stringifyExact } from './json.js'
import type { Change, DiffSession, SnapshotCommit } from './state.js'

export interface Outbound {
  change: Change
  record: OutboundRecord
  /** `record.fields` as JSON text when the engine has it already (the staged payload) */
  payloadJson?: string
  /** why the record cannot be sent as mapped: tracked invalid with this reason, never sent */
  invalid?: string
}

export interface SenderOptions {
  destination: Destination
  object: string
  identifierField: string
  /** records per request */
  batchSize: number
  /** requests in flight at once */
  concurrency: number
  /** records per commit */
  commitSize: number
  session: DiffSession
  tracking?: TrackingSink
  track: { org: string; sync: string; runId: string }
  /** the run, handed to the destination with every call */
  run?: RunInfo
  counts: RunCounts
  now: () => Date
  /** aborted when the run is cancelled; the sender adds its own abort when a request fails */
  signal: AbortSignal
  log: ConnectorContext['log']
  nextBatchNumber: () => number
  /** after every answered request and every commit */
  onProgress: () => void
}

interface Group {
  operation: Operation
  items: Outbound[]
  startedAt: Date
}

/** The tracking message of a succeeded record that the destination may hold twice. */
export const POSSIBLY_DUPLICATED =
  'possibly duplicated: its request was sent again after an answer was lost, and the operation is not idempotent'

/**
 * Sends planned records and commits what the destination acknowledged.
 *
 * Records are gathered per operation into commit groups of `commitSize`; a group is sent as requests
 * of `batchSize`, at most `concurrency` requests in flight across all groups. When every request of a
 * group has been answered, the group is committed: its tracking batch first, then its snapshot delta
 * (the next group's tracking batch may be written while this group's delta is).
 * A group with a failed request is never committed, so its rows are sent again by the next run.
 */
export class Sender {
  /** the first error that is not about one record; the run fails with it */
  failure: SluiceError | undefined
  batchesSent = 0
  rejectedSoFar = 0

  private readonly requests: Semaphore
  private readonly stop = new AbortController()
  private readonly signal: AbortSignal
  private open = new Map<Operation, Group>()
  private readonly inFlight = new Set<Promise<void>>()
  private commits: Promise<void> = Promise.resolve()
  private trackingWrites: Promise<void> = Promise.resolve()
  private trackingFailed: unknown
  private silent: SnapshotCommit = { put: [], remove: [], reject: [] }

  constructor(private readonly o: SenderOptions) {
    this.requests = new Semaphore(o.concurrency)
    this.signal = AbortSignal.any([o.signal, this.stop.signal])
    // Every request in flight listens to this one signal (the HTTP client adds a listener or two per
    // request): more than Node's default of 10 listeners is the design here, not a leak.
    setMaxListeners(Math.max(10, o.concurrency * 4), this.signal)
  }

  /** true once the run is failing or cancelled: stop planning more records */
  get stopped(): boolean {
    return this.signal.aborted
  }

  async add(operation: Operation, item: Outbound): Promise<void> {
    let group = this.open.get(operation)
    if (!group) {
      group = { operation, items: [], startedAt: this.o.now() }
      this.open.set(operation, group)
    }
    group.items.push(item)
    if (group.items.length >= this.o.commitSize) {
      this.open.delete(operation)
      await this.dispatch(group)
    }
  }

  /** a row whose snapshot entry changes without sending anything (accept / forget) */
  async settle(kind: 'put' | 'remove', change: Change): Promise<void> {
    if (change.identifier === null) return
    if (kind === 'put') this.silent.put.push({ identifier: change.identifier, hash: change.hash })
    else this.silent.remove.push(change.identifier)
    if (this.silent.put.length + this.silent.remove.length >= this.o.commitSize) this.flushSilent()
  }

  /** sends what is still gathered and waits for every commit */
  async finish(): Promise<void> {
    for (const group of this.open.values()) await this.dispatch(group)
    this.open = new Map()
    this.flushSilent()
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
    await this.commits
    await this.trackingWrites
  }

  /**
   * Stops sending (the run is ending early) and waits for what is in flight: groups whose requests all
   * came back are still committed, since the destination has them.
   */
  async abandon(): Promise<void> {
    this.stop.abort()
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
    await this.commits
    await this.trackingWrites
  }

  private flushSilent(): void {
    const delta = this.silent
    this.silent = { put: [], remove: [], reject: [] }
    if (delta.put.length + delta.remove.length === 0 || this.stopped) return
    this.enqueueCommit(() => this.o.session.commit(delta))
  }

  private async dispatch(group: Group): Promise<void> {
    while (this.inFlight.size >= OPEN_GROUPS) await Promise.race(this.inFlight)
    if (this.stopped) return
    const done = this.sendGroup(group).finally(() => this.inFlight.delete(done))
    this.inFlight.add(done)
  }

  private async sendGroup(group: Group): Promise<void> {
    const outcomes: Array<{ item: Outbound; result: RecordResult | { status: 'invalid'; reason: string } }> =
      []
    const requests: Outbound[][] = []
    for (let i = 0; i < group.items.length; i += this.o.batchSize)
      requests.push(group.items.slice(i, i + this.o.batchSize))
    let failed = false
    await Promise.all(
      requests.map(async (items) => {
        await this.requests.acquire()
        try {
          if (this.stopped) {
            failed = true
            return
          }
          outcomes.push(...(await this.sendRequest(group.operation, items)))
        } catch (error) {
          failed = true
          if (!this.o.signal.aborted && !this.failure) {
            this.failure = toSluiceError(error, 'destination')
            this.o.log.error('a request failed; the run stops', { message: this.failure.message })
          }
          this.stop.abort()
        } finally {
          this.requests.release()
        }
      }),
    )
    // Nothing of a group with an unanswered request is committed: all of it is sent again next run.
    if (failed) return
    const { delta, batch } = this.settleGroup(group, outcomes, this.o.now())
    const tracked = batch ? this.writeTracking(batch) : undefined
    this.enqueueCommit(async () => {
      // The group's rows leave the set to resend only once their tracking batch is in the lake.
      if (tracked) await tracked
      await this.o.session.commit(delta)
      this.o.onProgress()
    })
    await this.commits
  }

  private async sendRequest(operation: Operation, items: Outbound[]) {
    const { destination, object, identifierField } = this.o
    const ctx: ConnectorContext = {
      signal: this.signal,
      log: this.o.log,
      ...(this.o.run ? { run: this.o.run } : {}),
    }
    const outcomes: Array<{ item: Outbound; result: RecordResult | { status: 'invalid'; reason: string } }> =
      []
    let sendable = items
    if (items.some((item) => item.invalid !== undefined)) {
      sendable = []
      for (const item of items) {
        if (item.invalid === undefined) sendable.push(item)
        else {
          outcomes.push({ item, result: { status: 'invalid', reason: item.invalid } })
          this.o.counts.invalid.other++
        }
      }
    }
    if (destination.validate && sendable.length > 0) {
      const checked = sendable
      const verdicts = await destination.validate(
        { object, operation, identifierField, records: checked.map((i) => i.record) },
        ctx,
      )
      sendable = []
      checked.forEach((item, i) => {
        const reason = verdicts[i]
        if (reason === undefined) sendable.push(item)
        else {
          outcomes.push({ item, result: { status: 'invalid', reason } })
          this.o.counts.invalid.other++
        }
      })
    }
    if (sendable.length === 0) return outcomes
    const results = await destination.write(
      { object, operation, identifierField, records: sendable.map((i) => i.record) },
      ctx,
    )
    if (!Array.isArray(results) || results.length !== sendable.length) {
      throw new SluiceError(
        'internal',
        `the destination answered ${Array.isArray(results) ? results.length : 'no'} results for ${sendable.length} records`,
        { component: 'destination', code: 'RESULT_COUNT' },
      )
    }
    const { succeeded, rejected } = this.o.counts
    results.forEach((result, i) => {
      if (result.status === 'succeeded') {
        succeeded[operation] = (succeeded[operation] ?? 0) + 1
        if (result.possiblyDuplicated)
          this.o.counts.possiblyDuplicated = (this.o.counts.possiblyDuplicated ?? 0) + 1
      } else {
        rejected[operation] = (rejected[operation] ?? 0) + 1
        this.rejectedSoFar++
      }
      outcomes.push({ item: sendable[i] as Outbound, result })
    })
    this.batchesSent++
    this.o.onProgress()
    return outcomes
  }

  /** what a group's answers commit to the snapshot and write to tracking */
  private settleGroup(
    group: Group,
    outcomes: Array<{ item: Outbound; result: RecordResult | { status: 'invalid'; reason: string } }>,
    endedAt: Date,
  ): { delta: SnapshotCommit; batch: TrackingBatch | undefined } {
    const now = this.o.now()
    const delta: SnapshotCommit = { put: [], remove: [], reject: [] }
    const tracked: TrackedRecord[] = []
    for (const { item, result } of outcomes) {
      const { change, record, payloadJson } = item
      const identifier = change.identifier as string
      if (result.status === 'succeeded') {
        if (change.kind === 'removed') delta.remove.push(identifier)
        else delta.put.push({ identifier, hash: change.hash })
      } else if (result.status === 'rejected') {
        const firstRejectedAt = change.rejected?.hash === change.hash ? change.rejected.at : now
        delta.reject.push({ identifier, hash: change.hash, firstRejectedAt })
      }
      if (this.o.tracking) {
        tracked.push({
          identifier,
          payload: payloadJson ?? stringifyExact(record.fields),
          operation: group.operation,
          status: result.status,
          message:
            result.status === 'succeeded'
              ? result.possiblyDuplicated
                ? POSSIBLY_DUPLICATED
                : null
              : redact(result.reason),
          hash: change.hash,
        })
      }
    }
    if (tracked.length === 0) return { delta, batch: undefined }
    const batch: TrackingBatch = {
      ...this.o.track,
      batchType: group.operation,
      batchNumber: this.o.nextBatchNumber(),
      startedAt: group.startedAt,
      endedAt,
      records: tracked,
    }
    return { delta, batch }
  }

  /**
   * Writes tracking batches one after another, on their own chain: a group's batch is written while
   * the group before it commits its delta, since the two go to different databases. After a failed
   * write no later batch is written: their groups will not be committed either.
   */
  private writeTracking(batch: TrackingBatch): Promise<void> {
    const tracking = this.o.tracking as TrackingSink
    const written = this.trackingWrites.then(async () => {
      if (this.trackingFailed) throw this.trackingFailed
      await tracking.write(batch)
    })
    this.trackingWrites = written.catch((error: unknown) => {
      this.trackingFailed ??= error
    })
    // Awaited by the group's commit, unless an earlier commit failed and the run stopped committing.
    written.catch(() => {})
    return written
  }

  private enqueueCommit(commit: () => Promise<void>): void {
    this.commits = this.commits.then(async () => {
      if (this.failure && this.failure.category === 'internal' && this.failure.code === 'COMMIT') return
      try {
        await commit()
      } catch (error) {
        if (!this.failure) {
          this.failure = new SluiceError(
            'internal',
            `cannot commit the run's progress: ${(error as Error).message}`,
            {
              code: 'COMMIT',
              cause: error,
            },
          )
        }
        this.stop.abort()
      }
    })
  }
}
