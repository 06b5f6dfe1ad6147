import { SluiceError } from '@sluice/core'
import { openRunQueue, type RunQueue } from '@sluice/queue'
import type { Project } from '../project/project.js'

/** The queue's schema: pg-boss's tables and the leases, beside the state's bookkeeping schema. */
export function queueSchema(stateSchema: string): string {
  return `${stateSchema}_queue`
}

/**
 * Opens the project's run queue, in the PostgreSQL of `settings.state`. Workers need that state: runs
 * on other machines must see the same snapshots, ledger and run locks.
 */
export async function openProjectQueue(project: Project): Promise<RunQueue> {
  const state = project.resolved.settings.state
  if (state.backend !== 'postgres') {
    throw new SluiceError(
      'config',
      'workers need the state in PostgreSQL: the runs, the queue and the locks live there.',
      {
        code: 'WORKERS_NEED_POSTGRES',
        hint: 'Set settings.state to { "backend": "postgres", "url": "${env:DATABASE_URL}" } (see docs/deploy.md).',
      },
    )
  }
  const workers = project.resolved.settings.workers
  return openRunQueue({
    url: state.url,
    schema: queueSchema(state.schema),
    leaseMs: (workers?.leaseSeconds ?? 30) * 1000,
    // a short lease wants quick polls: a takeover waits for a lapsed lease and then a poll
    pollMs: Math.min(1_000, ((workers?.leaseSeconds ?? 30) * 1000) / 4),
  })
}
