import { type ChildProcess, spawn } from 'node:child_process'
import { emptyCounts, type RunRecord, type RunSyncResult, SluiceError } from '@sluice/core'
import { electLeader, type RunQueue } from '@sluice/queue'
import type { Scheduler } from '@sluice/scheduler'
import type { GlobalOptions } from '../framework/spec.js'
import type { ExecuteOptions } from '../project/execute.js'
import type { Project } from '../project/project.js'
import { openState } from '../project/state.js'
import { openProjectQueue } from './queue.js'

/** How `sluice serve` runs syncs in queue mode: as jobs any worker may take, awaited here. */
export interface QueueMode {
  /** what serve calls instead of running a sync itself */
  runSync(project: Project, sync: string, options: ExecuteOptions): Promise<RunSyncResult>
  /** starts the scheduler's timers once this serve is elected the one scheduler */
  schedule(scheduler: Scheduler): void
  /** stops the local workers, the election and the queue */
  close(graceMs: number): Promise<void>
}

/**
 * Queue mode for `sluice serve`, when `settings.workers` is set or `--workers N` asks for local
 * workers: every run is enqueued and awaited; only the elected serve arms the timers; `--workers N`
 * starts N `sluice worker` processes beside it.
 */
export async function startQueueMode(
  project: Project,
  options: { workers: number; global: GlobalOptions; say(line: string): void },
): Promise<QueueMode> {
  const { say } = options
  const queue = await openProjectQueue(project)
  const state = project.resolved.settings.state as { url: string; schema: string }
  const children = Array.from({ length: options.workers }, () => spawnWorker(options.global))
  if (children.length > 0)
    say(`started ${children.length} local workers (pids ${children.map((c) => c.pid).join(', ')})`)
  let election: ReturnType<typeof electLeader> | undefined

  return {
    runSync: (_project, sync, run) => runThroughQueue(project, queue, sync, run),
    schedule(scheduler) {
      election = electLeader({
        url: state.url,
        name: `scheduler:${state.schema}`,
        onLeader: async () => {
          say('elected the scheduler: this serve enqueues the fire times')
          await scheduler.start()
        },
        onLost: (reason) => {
          // the scheduler cannot be handed back safely while it runs: stop, and let a supervisor restart
          say(`no longer the scheduler (${reason}): stopping`)
          process.kill(process.pid, 'SIGTERM')
        },
        onProblem: (message) => say(message),
      })
    },
    async close(graceMs) {
      await election?.stop()
      await Promise.all(children.map((child) => stopChild(child, graceMs)))
      await queue.close()
    },
  }
}

async function runThroughQueue(
  project: Project,
  queue: RunQueue,
  sync: string,
  run: ExecuteOptions,
): Promise<RunSyncResult> {
  const runId = run.runId!
  const jobId = await queue.enqueue({
    sync,
    runId,
    trigger: 'serve',
    mode: run.mode,
    ...(run.dryRun ? { dryRun: true } : {}),
  })
  if (!jobId) {
    throw new SluiceError('conflict', `a run of sync "${sync}" is already waiting in the queue`, {
      code: 'RUN_QUEUED',
    })
  }
  const outcome = await queue.outcome(jobId, run.signal)
  if ('skipped' in outcome) throw new SluiceError('conflict', outcome.message, { code: 'RUN_IN_PROGRESS' })
  const store = await openState(project)
  try {
    const record = await store.getRun(sync, outcome.runId)
    const found: RunRecord = record ?? {
      id: outcome.runId,
      sync,
      status: outcome.status,
      mode: run.mode,
      startedAt: new Date().toISOString(),
      counts: emptyCounts(),
    }
    return { run: found }
  } finally {
    await store.close()
  }
}

/** A `sluice worker` child on the same project, its output passed through. */
function spawnWorker(global: GlobalOptions): ChildProcess {
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    'worker',
    ...(global.config ? ['--config', global.config] : []),
  ]
  return spawn(process.execPath, args, { cwd: global.cwd, stdio: ['ignore', 'inherit', 'inherit'] })
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs + 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
