import type { DiffSession, StateStore, TrackingSink } from '@sluice/core'
import type { Source } from '@sluice/core/contract'

/**
 * Seconds spent inside each part a run calls: the source's chunks, the state store's staging, diff,
 * changes and commits, the tracking lake's writes. Parts overlap in time (commits and tracking run while
 * the next requests go out), so they need not add up to the run's time; what is left of the run is the
 * engine's own work (mapping, JSON, planning, batching).
 */
export type PartTimes = Record<'source' | 'stage' | 'diff' | 'changes' | 'commit' | 'tracking', number>

export function emptyPartTimes(): PartTimes {
  return { source: 0, stage: 0, diff: 0, changes: 0, commit: 0, tracking: 0 }
}

async function timed<T>(times: PartTimes, part: keyof PartTimes, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    times[part] += (performance.now() - started) / 1000
  }
}

/** Times every `next()` of an async iterable: the producer's time, not the consumer's. */
function timedIterable<T>(
  times: PartTimes,
  part: keyof PartTimes,
  source: AsyncIterable<T>,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]()
      return {
        next: () => timed(times, part, () => iterator.next()),
        return: async (value?: unknown) =>
          iterator.return ? iterator.return(value) : { done: true as const, value: undefined },
      }
    },
  }
}

export function timedSource(source: Source, times: PartTimes): Source {
  return {
    ...source,
    check: (ctx) => source.check(ctx),
    describe: (sql, ctx) => source.describe(sql, ctx),
    query: (sql, options) => timedIterable(times, 'source', source.query(sql, options)),
  }
}

export function timedState(state: StateStore, times: PartTimes): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property !== 'openDiff') return Reflect.get(target, property, receiver)
      return async (sync: string) => timedSession(await target.openDiff(sync), times)
    },
  })
}

function timedSession(session: DiffSession, times: PartTimes): DiffSession {
  return {
    stage: (rows) => timed(times, 'stage', () => session.stage(rows)),
    // staged in the warehouse: the source's query and the staging are one step, counted as staging
    ...(session.stageFromSource
      ? { stageFromSource: (request) => timed(times, 'stage', () => session.stageFromSource!(request)) }
      : {}),
    diff: (options) => timed(times, 'diff', () => session.diff(options)),
    changes: (kinds, chunkSize) => timedIterable(times, 'changes', session.changes(kinds, chunkSize)),
    commit: (commit) => timed(times, 'commit', () => session.commit(commit)),
    replaceSnapshot: () => session.replaceSnapshot(),
    close: () => timed(times, 'commit', () => session.close()),
  }
}

export function timedTracking(tracking: TrackingSink, times: PartTimes): TrackingSink {
  return {
    write: (batch) => timed(times, 'tracking', () => tracking.write(batch)),
    ...(tracking.runFinished ? { runFinished: (run) => tracking.runFinished!(run) } : {}),
  }
}

/** `source 3.1 s, stage 0.8 s, …` for the log, largest first. */
export function formatParts(times: PartTimes): string {
  return Object.entries(times)
    .filter(([, seconds]) => seconds >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([part, seconds]) => `${part} ${seconds.toFixed(2)} s`)
    .join(', ')
}
