import { sleep } from '../concurrency.js'
import type { RateLimit } from '../contract/destination.js'

/**
 * "At most `requests` per `perMs`" taken literally: no span of `perMs` ever holds more than `requests`
 * starts. A fixed-window reservoir lets a burst at the end of one window meet a burst at the start of
 * the next (twice the limit within one window), which an API counting over its own windows answers
 * with 429s; keeping the start times of the last `requests` requests avoids that and still allows a
 * full burst when the window is idle.
 */
export class SlidingWindow {
  private readonly starts: number[] = []

  constructor(private readonly limit: RateLimit) {}

  /** Resolves when one more request may start, and records its start. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now()
      while (this.starts.length > 0 && now - this.starts[0]! >= this.limit.perMs) this.starts.shift()
      if (this.starts.length < this.limit.requests) {
        this.starts.push(now)
        return
      }
      await sleep(this.starts[0]! + this.limit.perMs - now, signal)
    }
  }
}
