/**
 * Time as the scheduler sees it. Production uses the system clock; tests hand in a `ManualClock` and
 * move it, so no test waits for a real minute.
 */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number
  /** calls `fire` once the clock reaches `at`; returns a function that cancels it */
  setTimer(at: number, fire: () => void): () => void
}

/** setTimeout takes at most a signed 32-bit delay; a later time is reached in steps. */
const MAX_DELAY = 2 ** 31 - 1

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fire) {
    let timer: NodeJS.Timeout
    const arm = () => {
      const delay = at - Date.now()
      if (delay <= 0) {
        fire()
        return
      }
      timer = setTimeout(delay > MAX_DELAY ? arm : fire, Math.min(delay, MAX_DELAY))
      // the scheduler's timers alone must not keep a process alive once everything else has stopped
      timer.unref()
    }
    arm()
    return () => clearTimeout(timer)
  },
}

/** A clock that moves only when told to: `advanceTo` fires every timer due, in time order. */
export class ManualClock implements Clock {
  private current: number
  private timers: Array<{ at: number; fire: () => void; id: number }> = []
  private nextId = 0

  constructor(start: Date | number) {
    this.current = typeof start === 'number' ? start : start.getTime()
  }

  now(): number {
    return this.current
  }

  setTimer(at: number, fire: () => void): () => void {
    const id = this.nextId++
    this.timers.push({ at, fire, id })
    return () => {
      this.timers = this.timers.filter((timer) => timer.id !== id)
    }
  }

  /** how many timers are waiting */
  get pending(): number {
    return this.timers.length
  }

  /**
   * Moves to `to`, firing due timers one at a time in order. Between timers it lets promises settle,
   * so work a timer starts (and timers that work sets) happens before the clock moves on.
   */
  async advanceTo(to: Date | number): Promise<void> {
    const target = typeof to === 'number' ? to : to.getTime()
    for (;;) {
      await settle()
      const due = this.timers.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)
      const first = due[0]
      if (!first) break
      this.timers = this.timers.filter((timer) => timer.id !== first.id)
      this.current = Math.max(this.current, first.at)
      first.fire()
    }
    this.current = Math.max(this.current, target)
    await settle()
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms)
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
