import type { RetryBudget } from './types.js'

/**
 * A number of retries shared by every request of one run, so a dead API fails the run after `retries`
 * attempts in total instead of every request waiting out its own backoff.
 */
export function createRetryBudget(retries: number): RetryBudget {
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`a retry budget is a whole number ≥ 0, got ${retries}`)
  }
  let remaining = retries
  return {
    take() {
      if (remaining <= 0) return false
      remaining -= 1
      return true
    },
    get remaining() {
      return remaining
    },
  }
}
