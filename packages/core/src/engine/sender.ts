import { setMaxListeners } from 'node:events'
import { Semaphore } from '../concurrency.js'
import type { ConnectorContext, Destination, RunInfo } from '../contract/destination.js'
import type { Operation } from '../contract/records.js'
import { SluiceError, toSluiceError } from '../errors.js'
import type { RunCounts, TrackingBatch, TrackingSink } from '../run.js'
import { OPEN_GROUPS } from './batching.js'
import { CommitQueue } from './commit-queue.js'
import type { JournalWriter } from './journal.js'
import { type Outbound, type Outcome, sendRequest } from './send-request.js'
import { settleOutcomes } from './settle.js'
import type { Change, DiffSession, SnapshotCommit } from './state.js'

export type { Outbound } from './send-request.js'

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
  /** where each answered request is made durable before its group commits */
  journal: JournalWriter
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
  /** its tracking batch number and its journal segment, given when it is sent */
  number?: number
}

/**
 * Gathers planned records into commit groups and sends them.
 *
 * Records are gathered per operation into groups of `commitSize`; a group is sent as requests of
 * `batchSize` (`sendRequest`), at most `concurrency` requests in flight across all groups and at most
 * `OPEN_GROUPS` groups open at once. Each answered request's settled outcomes are appended to the
 * acknowledgement journal before its slot is freed, so a crash resends at most the requests in
 * flight. When every request of a group has been answered, its outcomes are committed in order
 * (`CommitQueue`) and its journal segment is dropped. A group with a failed request commits only the
 * records of its answered requests; the others are sent again by the next run.
 */
export class Sender {
  /** the first error that is not about one record; the run fails with it */
  failure: SluiceError | undefined
  batchesSent = 0
  rejectedSoFar = 0

  private readonly requests: Semaphore
  private readonly stop = new AbortController()
  private readonly signal: AbortSignal
  private readonly ctx: ConnectorContext
  private readonly committed: CommitQueue
  private open = new Map<Operation, Group>()
  private readonly inFlight = new Set<Promise<void>>()
  private silent: SnapshotCommit = { put: [], remove: [], reject: [] }

  constructor(private readonly o: SenderOptions) {
    this.requests = new Semaphore(o.concurrency)
    this.signal = AbortSignal.any([o.signal, this.stop.signal])
    // Every request in flight listens to this one signal (the HTTP client adds a listener or two per
    // request): more than Node's default of 10 listeners is the design here, not a leak.
    setMaxListeners(Math.max(10, o.concurrency * 4), this.signal)
    this.ctx = { signal: this.signal, log: o.log, ...(o.run ? { run: o.run } : {}) }
    this.committed = new CommitQueue(o.session, o.tracking, (failure) => this.fail(failure))
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
    await this.committed.drain()
  }

  /**
   * Stops sending (the run is ending early) and waits for what is in flight: groups whose requests all
   * came back are still committed, since the destination has them.
   */
  async abandon(): Promise<void> {
    this.stop.abort()
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
    await this.committed.drain()
  }

  private fail(failure: SluiceError): void {
    this.failure ??= failure
    this.stop.abort()
  }

  private flushSilent(): void {
    const delta = this.silent
    this.silent = { put: [], remove: [], reject: [] }
    if (delta.put.length + delta.remove.length === 0 || this.stopped) return
    void this.committed.delta(delta)
  }

  private async dispatch(group: Group): Promise<void> {
    while (this.inFlight.size >= OPEN_GROUPS) await Promise.race(this.inFlight)
    if (this.stopped) return
    group.number = this.o.nextBatchNumber()
    const done = this.sendGroup(group).finally(() => this.inFlight.delete(done))
    this.inFlight.add(done)
  }

  private async sendGroup(group: Group): Promise<void> {
    const outcomes: Outcome[] = []
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
          const answered = await this.send(group.operation, items)
          outcomes.push(...answered)
          await this.journalAnswers(group, answered)
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
    // A group with a failed or unsent request still commits and tracks what was answered: the
    // destination holds those records, and the run counts them. The rest is sent again next run.
    if (failed && outcomes.length === 0) return
    const { delta, tracked } = settleOutcomes(
      group.operation,
      outcomes,
      this.o.now(),
      this.o.tracking !== undefined,
    )
    const batch: TrackingBatch | undefined =
      tracked.length === 0
        ? undefined
        : {
            ...this.o.track,
            batchType: group.operation,
            batchNumber: group.number as number,
            startedAt: group.startedAt,
            endedAt: this.o.now(),
            records: tracked,
          }
    await this.committed.group(delta, batch, this.o.onProgress)
    if (this.committed.failure) return
    // Committed: the segment is no longer needed. Left behind, the next run would only fold it again.
    await this.o.journal.drop(group.number as number).catch((error: unknown) => {
      this.o.log.warn('a committed journal segment could not be removed', { message: String(error) })
    })
  }

  /** an answer becomes durable: its snapshot delta and tracking rows, in the group's segment */
  private async journalAnswers(group: Group, answered: Outcome[]): Promise<void> {
    if (answered.length === 0) return
    const { delta, tracked } = settleOutcomes(
      group.operation,
      answered,
      this.o.now(),
      this.o.tracking !== undefined,
    )
    const entry = {
      batchType: group.operation,
      startedAt: group.startedAt,
      endedAt: this.o.now(),
      delta,
      tracked,
    }
    await this.o.journal.record(group.number as number, entry).catch((error: unknown) => {
      throw new SluiceError(
        'internal',
        `cannot journal the destination's answers: ${(error as Error).message}`,
        {
          code: 'JOURNAL',
          cause: error,
        },
      )
    })
  }

  private async send(operation: Operation, items: Outbound[]): Promise<Outcome[]> {
    const before = this.o.counts.rejected[operation] ?? 0
    const outcomes = await sendRequest(this.o, operation, items, this.ctx, this.o.counts)
    this.rejectedSoFar += (this.o.counts.rejected[operation] ?? 0) - before
    if (outcomes.some((o) => o.result.status !== 'invalid')) {
      this.batchesSent++
      this.o.onProgress()
    }
    return outcomes
  }
}
