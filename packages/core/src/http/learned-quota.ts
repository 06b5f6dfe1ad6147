import type { RateLimit } from '../contract/destination.js'
import { rateLimitResetMs, serverDelayMs } from './backoff.js'

/**
 * The quota the server really grants, learned from its answers, and the pace that keeps to it.
 *
 * A destination's documented limit is an upper bound: a workspace's real quota can be lower (a smaller
 * plan, other senders sharing it). APIs such as Braze say so on every answer: `X-RateLimit-Limit`
 * (requests per window), `X-RateLimit-Remaining` and `X-RateLimit-Reset` (when the window ends), and
 * `Retry-After` on a 429. This reads them and gates every request just before it is sent:
 *
 * - **Pace.** Requests start at least `perMs / requests` apart, with `requests` the configured limit or
 *   the server's `Limit` when that is lower (the server's window is taken to be the configured `perMs`,
 *   as the limit is documented per that window). Spreading starts evenly, rather than bursting at the
 *   start of a client-side window, means a burst never straddles two of the server's windows.
 * - **Hold.** When `Remaining` reaches 0, or a 429 names a wait, no request starts until the server's
 *   window resets, including those already queued behind the in-flight ones: sending them into an
 *   exhausted quota would only earn 429s and retries.
 *
 * The configured limit stays the upper bound: a server announcing more does not raise the pace.
 */
export class LearnedQuota {
  /** the server's `Limit`, when it announced one below the configured limit */
  private learnedRequests: number | undefined
  /** no request starts before this (epoch ms): the server's quota is spent until then */
  private heldUntil = 0
  /** when the last request was let through, and the earliest start the next may take (epoch ms) */
  private lastSent = Number.NEGATIVE_INFINITY
  private nextStart = 0
  /**
   * Bumped whenever a hold begins or the pace slows: the starts handed out before no longer keep to
   * the quota, so the requests waiting for them wake (`replanned`) and take new ones, in their order.
   */
  private generation = 0
  private readonly replanned = new Set<() => void>()

  constructor(
    private readonly configured: RateLimit,
    /** longer holds are not waited out here: the request goes, and its 429 is handled as a retry */
    private readonly maxHoldMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** requests per `perMs` the client keeps to now */
  get requests(): number {
    return Math.min(this.configured.requests, this.learnedRequests ?? Number.POSITIVE_INFINITY)
  }

  /** Resolves when the next request may start: after any hold, and one interval after the previous. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now()
      const generation = this.generation
      // Taking the start time at once (rather than after waking) keeps waiting requests in order and
      // spaced, without waking them all to race for each start.
      const start = Math.max(now, this.nextStart, this.heldUntil)
      this.nextStart = start + this.interval()
      if (start > now) await this.waitUntilReplanned(start - now, signal)
      if (generation === this.generation) {
        this.lastSent = this.now()
        return
      }
    }
  }

  /** Reads one answer's rate-limit headers (names in lower case, as the client keeps them). */
  observe(status: number, headers: Record<string, string>): void {
    const now = this.now()
    const limit = leadingInteger(headers['x-ratelimit-limit'] ?? headers['ratelimit-limit'])
    let replan = false
    if (limit !== undefined && limit > 0) {
      replan = limit < this.requests
      // a server announcing more than configured (or a raised quota) is believed up to the configured limit
      this.learnedRequests = limit < this.configured.requests ? limit : undefined
    }

    const remaining = leadingInteger(headers['x-ratelimit-remaining'] ?? headers['ratelimit-remaining'])
    const holdMs =
      status === 429
        ? serverDelayMs(headers, now)
        : remaining === 0
          ? rateLimitResetMs(headers, now)
          : undefined
    if (holdMs !== undefined && holdMs > 0 && holdMs <= this.maxHoldMs && now + holdMs > this.heldUntil) {
      this.heldUntil = now + holdMs
      replan = true
    }
    if (replan) this.replan()
  }

  /** Voids the starts handed out: the waiting requests take new ones from the last one sent. */
  private replan(): void {
    this.generation += 1
    this.nextStart = Math.max(this.lastSent + this.interval(), this.heldUntil)
    const waiting = [...this.replanned]
    this.replanned.clear()
    for (const wake of waiting) wake()
  }

  /** Sleeps `ms`, or less when the plan changes; rejects when the signal aborts. */
  private waitUntilReplanned(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.replanned.delete(done)
        signal?.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = () => {
        clearTimeout(timer)
        this.replanned.delete(done)
        reject(signal?.reason)
      }
      if (signal?.aborted) return aborted()
      const timer = setTimeout(done, ms)
      this.replanned.add(done)
      signal?.addEventListener('abort', aborted, { once: true })
    })
  }

  private interval(): number {
    return this.configured.perMs / this.requests
  }
}

/** `10` of `10`, of `10, 10;w=1` (the IETF draft's form), or undefined. */
function leadingInteger(value: string | undefined): number | undefined {
  const match = value?.trim().match(/^\d+/)
  return match ? Number(match[0]) : undefined
}
