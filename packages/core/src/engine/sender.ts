import { setMaxListeners } from 'node:events'
import { Semaphore } from '../concurrency.js'
import type { ConnectorContext, Destination, RunInfo } from '../contract/destination.js'
import type { Operation } from '../contract/records.js'
import { SluiceError, toSluiceError } from '../errors.js'
import type { RunCounts, TrackingSink } from '../run.js'
import { COMMITS_WAITING } from './batching.js'
import { CommitQueue } from './commit-queue.js'
import { type JournalEntry, type JournalWriter, mergeEntries } from './journal.js'
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
  /** the most records one commit group holds */
  commitSize: number
  /** the longest a group collects answers before it commits, in milliseconds */
  commitIntervalMs: number
  session: DiffSession
  /** where each answered request is made durable before its slot is freed */
  journal: JournalWriter
  tracking?: TrackingSink
  track: { org: string; sync: string; runId: string }
  /** the run, handed to the destination with every call */
  run?: RunInfo
  counts: RunCounts
  now: () => Date
  /**
   * Aborted when the run is cancelled: no request is started after it, and those in flight finish
   * (the destination may already hold their records; their answers are committed).
   */
  signal: AbortSignal
  log: ConnectorContext['log']
  nextBatchNumber: () => number
  /** after every answered request and every commit */
  onProgress: () => void
}

/** Answered requests of one operation, committed together: one tracking batch, one journal segment. */
interface CommitGroup {
  operation: Operation
  number: number
  /** its answers, settled as they were journaled */
  entries: JournalEntry[]
  records: number
  /** appends of its answers to the journal that may not be durable yet */
  journaling: Promise<void>[]
  timer: NodeJS.Timeout
}

/**
 * Sends planned records and commits what the destination answers, without one waiting for the other.
 *
 * Records are gathered per operation into requests of `batchSize`; a request is started as soon as
 * one of the `concurrency` slots is free, whatever has been committed. Each answer's settled outcomes
 * are appended to the acknowledgement journal before its slot is freed (so a crash resends at most
 * the requests in flight) and join the operation's open commit group. A group commits (`CommitQueue`:
 * its tracking batch, then its snapshot delta, in order) in the background once it holds `commitSize`
 * records or has been collecting for `commitIntervalMs`, and its journal segment is then dropped.
 * Sending waits only when `COMMITS_WAITING` groups are already waiting to commit: the commits are off
 * the send path unless they fall behind it.
 */
export class Sender {
  /** the first error that is not about one record; the run fails with it */
  failure: SluiceError | undefined
  batchesSent = 0
  rejectedSoFar = 0

  private readonly slots: Semaphore
  /** aborted when a request fails or the run stops sending for good: requests in flight are cut */
  private readonly stop = new AbortController()
  private readonly ctx: ConnectorContext
  private readonly committed: CommitQueue
  private gathering = new Map<Operation, Outbound[]>()
  private readonly groups = new Map<Operation, CommitGroup>()
  private readonly requests = new Set<Promise<void>>()
  private readonly commits = new Set<Promise<void>>()
  private silent: SnapshotCommit = { put: [], remove: [], reject: [] }

  constructor(private readonly o: SenderOptions) {
    this.slots = new Semaphore(o.concurrency)
    // Every request in flight listens to this one signal (the HTTP client adds a listener or two per
    // request): more than Node's default of 10 listeners is the design here, not a leak.
    setMaxListeners(Math.max(10, o.concurrency * 4), this.stop.signal)
    this.ctx = { signal: this.stop.signal, log: o.log, ...(o.run ? { run: o.run } : {}) }
    this.committed = new CommitQueue(o.session, o.tracking, (failure) => this.fail(failure))
  }

  /** true once the run is failing or cancelled: stop planning more records */
  get stopped(): boolean {
    return this.stop.signal.aborted || this.o.signal.aborted
  }

  /**
   * Gathers a record into its operation's next request. Only a record that fills the request returns
   * a promise (resolved once the request has a slot); the others return nothing, so the caller awaits
   * once per request, not once per record.
   */
  add(operation: Operation, item: Outbound): Promise<void> | undefined {
    let gathered = this.gathering.get(operation)
    if (!gathered) {
      gathered = []
      this.gathering.set(operation, gathered)
    }
    gathered.push(item)
    if (gathered.length < this.o.batchSize) return undefined
    this.gathering.delete(operation)
    return this.start(operation, gathered)
  }

  /** a row whose snapshot entry changes without sending anything (accept / forget) */
  settle(kind: 'put' | 'remove', change: Change): void {
    if (change.identifier === null) return
    if (kind === 'put') this.silent.put.push({ identifier: change.identifier, hash: change.hash })
    else this.silent.remove.push(change.identifier)
    if (this.silent.put.length + this.silent.remove.length >= this.o.commitSize) this.flushSilent()
  }

  /** sends what is still gathered and waits for every answer and every commit */
  async finish(): Promise<void> {
    const rest = this.gathering
    this.gathering = new Map()
    for (const [operation, items] of rest) await this.start(operation, items)
    this.flushSilent()
    await this.settleAll()
  }

  /**
   * The run is ending early. A cancelled run lets the requests in flight finish, since the destination
   * may already hold their records; any other end cuts them. Either way, every answer that came back
   * is committed.
   */
  async abandon(): Promise<void> {
    if (!this.o.signal.aborted) this.stop.abort()
    await this.settleAll()
  }

  private async settleAll(): Promise<void> {
    while (this.requests.size > 0) await Promise.all(this.requests)
    for (const group of [...this.groups.values()]) this.close(group)
    while (this.commits.size > 0) await Promise.all(this.commits)
    await this.committed.drain()
    await this.o.journal.close().catch((error: unknown) => {
      this.o.log.warn('the journal could not be closed', { message: String(error) })
    })
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

  /** waits for a free slot (and for commits to catch up), then sends without waiting for the answer */
  private async start(operation: Operation, items: Outbound[]): Promise<void> {
    while (this.commits.size >= COMMITS_WAITING) await Promise.race(this.commits)
    await this.slots.acquire()
    if (this.stopped) {
      this.slots.release()
      return
    }
    const request = this.request(operation, items).finally(() => {
      this.slots.release()
      this.requests.delete(request)
    })
    this.requests.add(request)
  }

  private async request(operation: Operation, items: Outbound[]): Promise<void> {
    const startedAt = this.o.now()
    try {
      const answered = await this.send(operation, items)
      if (answered.length > 0) await this.acknowledge(operation, answered, startedAt)
    } catch (error) {
      if (!this.failure && !this.o.signal.aborted) {
        this.failure = toSluiceError(error, 'destination')
        this.o.log.error('a request failed; the run stops', { message: this.failure.message })
      }
      this.stop.abort()
    }
  }

  /** an answer joins its operation's commit group and is made durable in the group's segment */
  private async acknowledge(operation: Operation, answered: Outcome[], startedAt: Date): Promise<void> {
    const group = this.groups.get(operation) ?? this.open(operation)
    const { delta, tracked } = settleOutcomes(
      operation,
      answered,
      this.o.now(),
      this.o.tracking !== undefined,
    )
    const entry: JournalEntry = { batchType: operation, startedAt, endedAt: this.o.now(), delta, tracked }
    group.entries.push(entry)
    group.records += answered.length
    const durable = this.o.journal.record(group.number, entry).catch((error: unknown) => {
      throw new SluiceError(
        'internal',
        `cannot journal the destination's answers: ${(error as Error).message}`,
        { code: 'JOURNAL', cause: error },
      )
    })
    group.journaling.push(durable)
    if (group.records >= this.o.commitSize) this.close(group)
    await durable
  }

  private open(operation: Operation): CommitGroup {
    const group: CommitGroup = {
      operation,
      number: this.o.nextBatchNumber(),
      entries: [],
      records: 0,
      journaling: [],
      // Answers coming slowly still commit every `commitIntervalMs`; the timer never holds the
      // process open on its own.
      timer: setTimeout(() => this.close(group), this.o.commitIntervalMs).unref(),
    }
    this.groups.set(operation, group)
    return group
  }

  /** the group takes no more answers; it commits once its journal appends are durable */
  private close(group: CommitGroup): void {
    if (this.groups.get(group.operation) !== group) return
    this.groups.delete(group.operation)
    clearTimeout(group.timer)
    const commit = this.commit(group).finally(() => this.commits.delete(commit))
    this.commits.add(commit)
  }

  private async commit(group: CommitGroup): Promise<void> {
    // A failed append fails its request (and the run); the answer itself still counts and commits.
    await Promise.allSettled(group.journaling)
    const { delta, batch } = mergeEntries(group.entries, { ...this.o.track, batchNumber: group.number })
    await this.committed.group(delta, this.o.tracking ? batch : undefined, this.o.onProgress)
    if (this.committed.failure) return
    // Committed: the segment is no longer needed. Left behind, the next run would only fold it again.
    await this.o.journal.drop(group.number).catch((error: unknown) => {
      this.o.log.warn('a committed journal segment could not be removed', { message: String(error) })
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
