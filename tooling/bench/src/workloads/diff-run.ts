import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { resolveModelSql } from '@sluice/core'
import { silentLogger } from '@sluice/core/contract'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { secondsSince } from '../harness/stats.js'
import { usersModel, usersSync } from './sync-config.js'

export interface DiffRunInput {
  modelDb: string
  stateDir: string
  /** `snapshot`: make the staged rows the snapshot (the set-up); `diff`: diff them against it */
  phase: 'snapshot' | 'diff'
  /**
   * Where the state store's DuckDB spills (its `tempDirectory` option); the run then samples the
   * folder's size and reports its peak. By default the store spills to a folder in the OS temp dir.
   */
  tempDirectory?: string
}

export interface DiffRunOutput {
  /** the state store's time: staging + the SQL diff + reading the changes back */
  seconds: number
  stageSeconds: number
  diffSeconds: number
  changesSeconds: number
  rows: number
  changed: number
  added: number
  removed: number
  /** the most the spill folder held while sampled (only with `tempDirectory`), in MB */
  peakSpillMb?: number
}

export const SYNC_NAME = 'bench_diff'

/**
 * The diff as a sync of the users model does it, without the rest of the engine: the state store
 * stages the model from its DuckDB source (each row's identifier and mapped payload built by the
 * source's DuckDB, never read into JS: ADR 13), diffs it against the snapshot in SQL (which hashes
 * the payloads), and the changes are read back. Only the state store's calls are timed; building the
 * payloads is part of staging.
 */
export async function diffRun(input: DiffRunInput): Promise<DiffRunOutput> {
  const store = createStateStore({
    path: input.stateDir,
    ...(input.tempDirectory ? { tempDirectory: input.tempDirectory } : {}),
  })
  const spill = input.tempDirectory ? new FolderSizeSampler(input.tempDirectory).start() : undefined
  const source = connectDuckDB({ path: input.modelDb, readOnly: true })
  const times = { stage: 0, diff: 0, changes: 0 }
  const timed = async <T>(key: keyof typeof times, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await work()
    } finally {
      times[key] += secondsSince(started)
    }
  }
  try {
    const sql = resolveModelSql(usersModel, { dialect: duckdb.capabilities.dialect })
    const columns = await source.describe(sql, { signal: new AbortController().signal, log: silentLogger })
    const session = await timed('stage', () => store.openDiff(SYNC_NAME))
    const rows = await timed('stage', async () =>
      session.stageFromSource?.({
        source,
        dialect: duckdb.capabilities.dialect,
        sql,
        columns,
        sync: usersSync('bench', 'records', 'id'),
      }),
    )
    if (rows === undefined) throw new Error('the state store did not stage the users model in DuckDB')
    let summary = { changed: 0, added: 0, removed: 0 }
    if (input.phase === 'snapshot') {
      await session.diff({ mode: 'reset_cdc', removals: false, retryRejectedSince: new Date(0) })
      await session.replaceSnapshot()
    } else {
      summary = await timed('diff', () =>
        session.diff({ mode: 'incremental', removals: true, retryRejectedSince: new Date(0) }),
      )
      await timed('changes', async () => {
        for await (const _ of session.changes(['added', 'changed', 'removed'])) {
          // reading them is the cost; the engine would plan and send them
        }
      })
    }
    await timed('diff', () => session.close())
    const peakSpillMb = await spill?.stop()
    return {
      ...(peakSpillMb !== undefined ? { peakSpillMb } : {}),
      seconds: times.stage + times.diff + times.changes,
      stageSeconds: times.stage,
      diffSeconds: times.diff,
      changesSeconds: times.changes,
      rows,
      changed: summary.changed,
      added: summary.added,
      removed: summary.removed,
    }
  } finally {
    await spill?.stop()
    await source.close?.()
    await store.close()
  }
}

/**
 * Samples the total size of the files in a folder every half second (DuckDB's spill files come and
 * go within a query) and keeps the peak.
 */
class FolderSizeSampler {
  #timer: NodeJS.Timeout | undefined
  #peak = 0
  #sampling: Promise<void> = Promise.resolve()

  constructor(private readonly folder: string) {}

  start(): this {
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample())
    }, 500)
    this.#timer.unref()
    return this
  }

  async stop(): Promise<number> {
    clearInterval(this.#timer)
    await this.#sampling
    return this.#peak / (1024 * 1024)
  }

  async #sample(): Promise<void> {
    let total = 0
    try {
      for (const name of await readdir(this.folder)) {
        total += await stat(path.join(this.folder, name)).then(
          (s) => s.size,
          () => 0,
        )
      }
    } catch {
      return // not there yet
    }
    if (total > this.#peak) this.#peak = total
  }
}
