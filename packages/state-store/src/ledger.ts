import { readdir } from 'node:fs/promises'
import {
  FINAL_STATUSES,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  redact,
  SluiceError,
  type SyncConfig,
  type SyncHealth,
  type SyncOverview,
} from '@sluice/core'
import { isMissing, readJson, writeFileAtomic } from './files.js'
import type { Layout } from './layout.js'
import { holderIsAlive, readHolder } from './lock.js'

/**
 * The run ledger: one JSON file per run, replaced atomically as the run progresses, so any process can
 * read it at any time without a database lock. Run ids start with their start time, so file names
 * sort newest-last and time filters can skip files without reading them.
 */
export class Ledger {
  constructor(private readonly layout: Layout) {}

  async save(run: RunRecord): Promise<void> {
    // Every file Sluice writes passes through redaction: a run's error may quote an API's answer.
    await writeFileAtomic(this.layout.runFile(run.sync, run.id), `${redact(JSON.stringify(run, null, 2))}\n`)
  }

  async get(sync: string, runId: string): Promise<RunRecord | undefined> {
    const run = await this.read(sync, runId)
    return run && (await this.withLiveness(run))
  }

  /** A run's file; one that is not JSON (a full disk, a hand edit) is an error naming the file and the fix. */
  private async read(sync: string, runId: string): Promise<RunRecord | undefined> {
    const path = this.layout.runFile(sync, runId)
    try {
      const run = await readJson<RunRecord>(path)
      // JSON that is not a run (a hand edit, a file from elsewhere) is as unreadable as broken JSON.
      if (run !== undefined && !isRunRecord(run, sync)) throw new SyntaxError('it does not hold a run record')
      return run
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error
      throw new SluiceError('internal', `the run ledger file ${path} cannot be read: ${error.message}`, {
        code: 'LEDGER_UNREADABLE',
        hint:
          '"sluice doctor --repair --yes" moves it to the state folder\'s quarantine: only this run\'s record ' +
          "is lost. The sync's snapshot and the rows in the tracking lake are kept apart from it and stay as they are.",
      })
    }
  }

  async list(filter: RunFilter = {}): Promise<RunRecord[]> {
    const syncs = filter.sync ? [filter.sync] : await this.syncNames()
    const statuses = filter.status === undefined ? undefined : new Set([filter.status].flat())
    const limit = filter.limit ?? Number.POSITIVE_INFINITY
    const candidates: Array<{ sync: string; id: string }> = []
    for (const sync of syncs) {
      for (const id of await this.runIds(sync)) candidates.push({ sync, id })
    }
    // Newest first: ids begin with the start time, a fixed-width UTC stamp.
    candidates.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    const out: RunRecord[] = []
    for (const { sync, id } of candidates) {
      if (out.length >= limit) break
      // One unreadable run file hides that run, not the history of every sync: asked for by id, it
      // says what is wrong (`get`).
      const run = await this.get(sync, id).catch((error: unknown) => {
        if (error instanceof SluiceError && error.code === 'LEDGER_UNREADABLE') return undefined
        throw error
      })
      if (!run) continue
      const started = Date.parse(run.startedAt)
      if (filter.since && started < filter.since.getTime()) continue
      if (filter.until && started >= filter.until.getTime()) continue
      if (statuses && !statuses.has(run.status)) continue
      out.push(run)
    }
    return out
  }

  async overview(syncs: Readonly<Record<string, SyncConfig>>): Promise<SyncOverview[]> {
    const out: SyncOverview[] = []
    for (const [name, sync] of Object.entries(syncs)) {
      const runs = await this.list({ sync: name, limit: 20 })
      const latest = runs[0]
      const enabled = sync.enabled !== false
      out.push({
        sync: name,
        model: sync.model,
        destination: sync.destination,
        object: sync.object,
        behaviour: sync.behaviour,
        enabled,
        health: health(enabled, runs),
        ...(latest ? { lastRun: latest, lastRunAt: latest.startedAt } : {}),
      })
    }
    return out
  }

  /** marks a run whose process died as incomplete, if it had not finished */
  async markIncomplete(sync: string, runId: string, reason: string): Promise<void> {
    const run = await this.read(sync, runId).catch(() => undefined)
    if (!run || FINAL_STATUSES.has(run.status)) return
    await this.save({
      ...run,
      status: 'incomplete',
      error: { category: 'internal', code: 'INTERRUPTED', message: reason },
    })
  }

  /**
   * A run the ledger says is still going, whose process is gone, is shown as `incomplete`: the next
   * run of the sync records it so.
   */
  private async withLiveness(run: RunRecord): Promise<RunRecord> {
    if (FINAL_STATUSES.has(run.status)) return run
    const holder = await readHolder(this.layout.lockFile(run.sync))
    if (holder?.runId === run.id && holderIsAlive(holder)) return run
    if (!holder && run.pid === process.pid) return run
    return { ...run, status: 'incomplete' }
  }

  private async syncNames(): Promise<string[]> {
    try {
      return (await readdir(this.layout.syncsDir(), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
  }

  private async runIds(sync: string): Promise<string[]> {
    try {
      return (await readdir(this.layout.runsDir(sync)))
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length))
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
  }
}

function isRunRecord(value: unknown, sync: string): value is RunRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const run = value as Record<string, unknown>
  return (
    run.sync === sync &&
    typeof run.id === 'string' &&
    typeof run.status === 'string' &&
    typeof run.startedAt === 'string' &&
    typeof run.counts === 'object' &&
    run.counts !== null
  )
}

const IN_PROGRESS: ReadonlySet<RunStatus> = new Set([
  'pending',
  'querying',
  'preparing',
  'queued',
  'in_progress',
])

/**
 * A sync's health from its runs, newest first. A cancelled run says nothing about the sync's health,
 * and neither does a dry run: the latest run that is neither decides.
 */
export function health(enabled: boolean, runs: readonly RunRecord[]): SyncHealth {
  if (!enabled) return 'disabled'
  const latest = runs[0]
  if (latest && IN_PROGRESS.has(latest.status)) return 'in_progress'
  const deciding = runs.find((run) => run.status !== 'cancelled' && !run.dryRun)
  if (!deciding) return 'pending'
  switch (deciding.status) {
    case 'succeeded':
      return 'healthy'
    case 'partially_succeeded':
      return 'partially_succeeded'
    default:
      return 'failed'
  }
}
