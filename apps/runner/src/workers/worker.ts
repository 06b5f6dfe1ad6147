import { emptyCounts, newRunId, type RunRecord, redact, SluiceError, toSluiceError } from '@sluice/core'
import type { ClaimedJob, JobOutcome, QueueWorker, RunQueue } from '@sluice/queue'
import { executeSync } from '../project/execute.js'
import type { Project } from '../project/project.js'
import { openState } from '../project/state.js'

/**
 * Runs the jobs of the queue: each is one run of a sync, executed here as `sluice run` would. A job
 * taken over from a worker that stopped runs under a new run id; the state store records the dead
 * run `incomplete` and this one resumes from its last commit.
 */
export function startWorker(
  project: Project,
  queue: RunQueue,
  options: { concurrency: number; say(line: string): void },
): QueueWorker {
  const { say } = options
  const handle = async (job: ClaimedJob, signal: AbortSignal): Promise<JobOutcome> => {
    if (!project.resolved.syncs[job.sync]) {
      say(`${job.sync}: not in this worker's config; run ${job.runId} failed`)
      return {
        runId: job.runId,
        status: (await recordFailure(project, job, job.runId, unknownSync(job.sync))).status,
      }
    }
    const runId = job.attempt === 0 ? job.runId : newRunId(new Date())
    say(
      `${job.sync}: running ${runId}${job.attempt > 0 ? ` (taking over ${job.runId}, attempt ${job.attempt + 1})` : ''}`,
    )
    try {
      const { run } = await executeSync(project, job.sync, {
        mode: job.mode ?? 'incremental',
        dryRun: job.dryRun === true,
        signal,
        runId,
      })
      say(`${job.sync}: run ${run.id} ${run.status.replace('_', ' ')}`)
      return { runId: run.id, status: run.status }
    } catch (error) {
      const e = toSluiceError(error)
      if (e.category === 'conflict') {
        say(`${job.sync}: skipped, ${redact(e.message)}`)
        return { skipped: 'locked', message: redact(e.message) }
      }
      say(`${job.sync}: run ${runId} could not run: ${redact(e.message)}`)
      return { runId, status: (await recordFailure(project, job, runId, e)).status }
    }
  }
  return queue.work(handle, {
    concurrency: options.concurrency,
    onProblem: (message) => say(`worker: ${redact(message)}`),
  })
}

function unknownSync(sync: string): SluiceError {
  return new SluiceError('config', `no sync "${sync}" in this worker's project config`, {
    code: 'UNKNOWN_NAME',
    hint: 'Every worker and serve must run the same project config.',
  })
}

/** A run that failed before the engine could record it still belongs in the ledger. */
async function recordFailure(
  project: Project,
  job: ClaimedJob,
  runId: string,
  error: unknown,
): Promise<RunRecord> {
  const e = toSluiceError(error)
  const now = new Date().toISOString()
  const record: RunRecord = {
    id: runId,
    sync: job.sync,
    status: 'failed',
    mode: job.mode ?? 'incremental',
    ...(job.dryRun ? { dryRun: true } : {}),
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    counts: emptyCounts(),
    error: { category: e.category, code: e.code, message: redact(e.message) },
  }
  const store = await openState(project)
  try {
    await store.saveRun(record)
  } finally {
    await store.close()
  }
  return record
}
