import type { RateLimit } from '@sluice/core/contract'

/**
 * A fixed-window request quota, as Braze counts it per workspace and endpoint family, with the headers
 * every Braze response carries: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
 * (the end of the window, in UTC epoch seconds). Windows are aligned to multiples of `perMs` since the
 * epoch, so a scaled-down window of a few hundred milliseconds behaves like Braze's three seconds.
 */
export class RateWindow {
  private windowStart = Number.NEGATIVE_INFINITY
  private used = 0

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; `allowed` is false once the window's quota is spent. */
  take(): { allowed: boolean; headers: Record<string, string> } {
    const now = this.now()
    const start = Math.floor(now / this.limit.perMs) * this.limit.perMs
    if (start !== this.windowStart) {
      this.windowStart = start
      this.used = 0
    }
    const allowed = this.used < this.limit.requests
    if (allowed) this.used += 1
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(this.limit.requests),
        'x-ratelimit-remaining': String(this.limit.requests - this.used),
        'x-ratelimit-reset': String(Math.ceil((start + this.limit.perMs) / 1000)),
      },
    }
  }

  reset(): void {
    this.windowStart = Number.NEGATIVE_INFINITY
    this.used = 0
  }
}
