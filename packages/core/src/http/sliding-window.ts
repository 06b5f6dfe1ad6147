import { sleep } from '../concurrency.js'
import type { RateLimit } from '../contract/destination.js'

/**
 * "At most `requests` per `perMs`" taken literally: no span of `perMs` ever holds more than `requests`
 * requests, as the API counts them. A fixed-window reservoir lets a burst at the end of one window meet
 * a burst at the start of the next (twice the limit within one window); keeping the last `requests`
 * requests avoids that and still allows a full burst when the window is idle.
 *
 * The API counts a request when it arrives, which is some time between our start and its answer: on
 * a busy machine or network, early requests can arrive late and bunch up with later ones. So a request
 * holds its place in the window until `perMs` after its answer, not after its start; then no `perMs`
 * span at the API can hold more than `requests` of them, however late each arrived.
 */
export class SlidingWindow {
  /** the last requests, oldest first: `at` is the start while in flight, then the answer's time */
  private readonly slots: Array<{ at: number; done: boolean }> = []
  private readonly waiting = new Set<() => void>()

  constructor(private readonly limit: RateLimit) {}

  /** Resolves when one more request may start, with the function to call when its answer is in. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      const now = Date.now()
      while (this.slots.length > 0 && this.slots[0]!.done && now - this.slots[0]!.at >= this.limit.perMs)
        this.slots.shift()
      if (this.slots.length < this.limit.requests) {
        const slot = { at: now, done: false }
        this.slots.push(slot)
        return () => {
          slot.at = Date.now()
          slot.done = true
          for (const wake of this.waiting) wake()
        }
      }
      const oldest = this.slots[0]!
      if (oldest.done) await sleep(oldest.at + this.limit.perMs - now, signal)
      else await this.answered(signal)
    }
  }

  /** Resolves when any request in the window has its answer (or the signal aborts). */
  private answered(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.waiting.delete(done)
        signal?.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = () => {
        this.waiting.delete(done)
        reject(signal?.reason)
      }
      if (signal?.aborted) return aborted()
      this.waiting.add(done)
      signal?.addEventListener('abort', aborted, { once: true })
    })
  }
}
