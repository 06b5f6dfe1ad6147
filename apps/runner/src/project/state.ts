import { type RunFilter, type RunRecord, SluiceError, type StateStore, type SyncOverview } from '@sluice/core'
import { createPostgresStateStore, createStateStore } from '@sluice/state-store'
import type { Project } from './project.js'

export type { SyncHealth } from '@sluice/core'

/** The state store as the read commands use it: the run ledger, the overview, reset. */
export interface Ledger {
  listRuns(filter: RunFilter): Promise<RunRecord[]>
  /** a run by id, whichever sync it belongs to */
  findRun(id: string): Promise<RunRecord | undefined>
  overview(): Promise<SyncOverview[]>
  reset(sync: string): Promise<void>
  store: StateStore
  close(): Promise<void>
}

/**
 * Opens the project's state store: the embedded one (DuckDB and files under `.sluice/state`) by
 * default, or a bookkeeping schema in PostgreSQL (`settings.state.backend: "postgres"`), created and
 * migrated on first use.
 */
export async function openState(project: Project): Promise<StateStore> {
  const state = project.resolved.settings.state
  if (state.backend === 'postgres') return createPostgresStateStore({ url: state.url, schema: state.schema })
  return createStateStore({ path: state.path })
}

export async function openLedger(project: Project): Promise<Ledger> {
  const store = await openState(project)
  const syncs = project.resolved.syncs
  return {
    store,
    listRuns: (filter) => store.listRuns(filter),
    async findRun(id) {
      for (const sync of Object.keys(syncs)) {
        const run = await store.getRun(sync, id)
        if (run) return run
      }
      // a run of a sync since removed from the config is still in the ledger
      return (await store.listRuns({})).find((run) => run.id === id)
    },
    overview: () => store.syncOverview(syncs),
    reset: (sync) => store.reset(sync),
    close: () => store.close(),
  }
}

/** What `sluice runs show latest` and `sluice records latest` mean: the project's most recent run. */
export const LATEST_RUN = 'latest'

/** A run by id (or the latest) from the project's ledger, or a clear error naming the most recent runs. */
export async function readRun(project: Project, id: string): Promise<RunRecord> {
  const ledger = await openLedger(project)
  try {
    return await requireRun(ledger, id)
  } finally {
    await ledger.close()
  }
}

/** A run by id from an open ledger, or an UNKNOWN_RUN error naming the most recent runs. */
export async function requireRun(ledger: Ledger, id: string): Promise<RunRecord> {
  const run = id === LATEST_RUN ? (await ledger.listRuns({ limit: 1 }))[0] : await ledger.findRun(id)
  if (run) return run
  const recent = await ledger.listRuns({ limit: 3 })
  throw new SluiceError('config', `no run "${id}" in this project's history.`, {
    code: 'UNKNOWN_RUN',
    hint:
      recent.length > 0
        ? `Recent runs: ${recent.map((r) => `${r.id} (${r.sync})`).join(', ')}; "sluice runs" lists them all.`
        : 'No run has happened yet: "sluice run <sync>" starts one.',
  })
}
