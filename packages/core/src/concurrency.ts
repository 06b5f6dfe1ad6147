/**
 * Waiting and bounding concurrency: the one `sleep` and the one semaphore Sluice uses, in the engine,
 * the HTTP toolkit and connectors alike (`@sluice/core/contract` exports them).
 */

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** At most `limit` holders at once; the rest wait in order. */
export class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a semaphore's limit is ≥ 1, got ${limit}`)
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active--
  }

  /** Runs `task` once a place is free, and frees it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await task()
    } finally {
      this.release()
    }
  }
}

/** Runs every task with at most `limit` in flight; the results keep the tasks' order. */
export function mapConcurrently<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const semaphore = new Semaphore(Math.max(1, limit))
  return Promise.all(tasks.map((task) => semaphore.run(task)))
}
