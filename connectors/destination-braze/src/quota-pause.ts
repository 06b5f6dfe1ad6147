import { SluiceError, sleep } from '@sluice/core/contract'

/** Longer pauses are not waited out: the request goes, and a 429 is handled as any other. */
const MAX_PAUSE_MS = 120_000

/**
 * Braze's advice on its rate-limit headers: when `X-RateLimit-Remaining` reaches 0, pause sending until
 * `X-RateLimit-Reset` (UTC epoch seconds). Our own limiter already keeps to the documented quota; this
 * catches a quota that is smaller, or shared with other senders, before it costs 429s.
 */
export class QuotaPause {
  private until = 0

  constructor(private readonly now: () => number = Date.now) {}

  /** Resolves once the pause, if any, is over. */
  async wait(signal?: AbortSignal): Promise<void> {
    const ms = this.until - this.now()
    if (ms <= 0) return
    try {
      await sleep(ms, signal)
    } catch {
      throw new SluiceError('cancelled', 'the run was cancelled while waiting for the Braze quota', {
        code: 'CANCELLED',
        component: 'braze',
      })
    }
  }

  /** Reads a response's rate-limit headers. */
  observe(headers: Record<string, string>): void {
    if (headers['x-ratelimit-remaining']?.trim() !== '0') return
    const reset = Number(headers['x-ratelimit-reset'])
    if (!Number.isFinite(reset)) return
    const at = reset * 1000
    if (at - this.now() <= MAX_PAUSE_MS) this.until = Math.max(this.until, at)
  }
}
