import { SluiceError } from '../errors.js'
import type { TrackingBatch, TrackingSink } from '../run.js'
import type { DiffSession, SnapshotCommit } from './state.js'

/**
 * Commits acknowledged work in order. Tracking batches are written one after another on their own
 * chain, and snapshot deltas on another: a group's batch is written while the group before it commits
 * its delta, since the two go to different databases. A group's delta waits for its own tracking
 * batch, so its rows leave the set to resend only once the lake holds them. After a failed write,
 * nothing later is written or committed; the first failure is kept.
 */
export class CommitQueue {
  /** the first commit or tracking failure */
  failure: SluiceError | undefined
  private commits: Promise<void> = Promise.resolve()
  private trackingWrites: Promise<void> = Promise.resolve()
  private trackingFailed: unknown

  constructor(
    private readonly session: DiffSession,
    private readonly tracking: TrackingSink | undefined,
    /** called once, with the failure, when a commit fails */
    private readonly onFailure: (failure: SluiceError) => void,
  ) {}

  /** queues a group: its tracking batch (if any), then its snapshot delta; `then` after the commit */
  group(delta: SnapshotCommit, batch: TrackingBatch | undefined, then?: () => void): Promise<void> {
    const tracked = batch ? this.writeTracking(batch) : undefined
    return this.commit(async () => {
      if (tracked) await tracked
      await this.session.commit(delta)
      then?.()
    })
  }

  /** a snapshot delta with nothing to track (rows accepted or forgotten without sending) */
  delta(delta: SnapshotCommit): Promise<void> {
    return this.commit(() => this.session.commit(delta))
  }

  /** waits for every queued write and commit */
  async drain(): Promise<void> {
    await this.commits
    await this.trackingWrites
  }

  private writeTracking(batch: TrackingBatch): Promise<void> {
    const tracking = this.tracking as TrackingSink
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

  private commit(work: () => Promise<void>): Promise<void> {
    this.commits = this.commits.then(async () => {
      if (this.failure) return
      try {
        await work()
      } catch (error) {
        this.failure = new SluiceError(
          'internal',
          `cannot commit the run's progress: ${(error as Error).message}`,
          {
            code: 'COMMIT',
            cause: error,
          },
        )
        this.onFailure(this.failure)
      }
    })
    return this.commits
  }
}
