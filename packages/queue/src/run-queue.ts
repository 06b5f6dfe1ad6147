import { hostname } from 'node:os'
import { type RunMode, type RunStatus, SluiceError, sleep } from '@sluice/core'
import pg from 'pg'
import PgBoss from 'pg-boss'

/** The one pg-boss queue every run goes through. */
export const RUN_QUEUE = 'sluice-runs'

/** A run asked for by a scheduler or the API, as a job: any worker may pick it up. */
export interface RunJob {
  sync: string
  /** the id of the run's first attempt; a takeover runs under a new id */
  runId: string
  trigger: string
  mode?: RunMode
  dryRun?: boolean
  upstream?: string
}

/** What a job ended with: the run's id and status, or why it did not run. */
export type JobOutcome =
  | { runId: string; status: RunStatus }
  /** another run of the sync held its lock (a `sluice run` in a terminal, a slow takeover) */
  | { skipped: 'locked'; message: string }

/** A job as a worker receives it. */
export interface ClaimedJob extends RunJob {
  jobId: string
  /** 0 for the first attempt; more when the run was taken over from a worker that stopped */
  attempt: number
}

export interface RunQueueOptions {
  /** the PostgreSQL holding the queue (the state store's) */
  url: string
  /** the queue's own schema: pg-boss's tables and the workers' leases */
  schema: string
  /** a running job whose worker stopped renewing its lease for this long is taken over (default 30 s) */
  leaseMs?: number
  /** how often idle workers look for jobs and waiters for outcomes (default 1 s) */
  pollMs?: number
  /** attempts after the first, when workers keep vanishing (default 3) */
  takeovers?: number
}

export interface WorkerOptions {
  /** jobs this worker runs at once (default 1) */
  concurrency?: number
  /** named in the leases and in errors (default host:pid) */
  name?: string
  /** reported problems of the worker's own (a lost lease, a failed poll); they never stop it */
  onProblem?(message: string): void
}

export interface QueueWorker {
  /** jobs running now */
  readonly active: number
  /**
   * Stops taking jobs and aborts those running (each ends `cancelled` as its handler decides); resolves
   * once they have ended, or after `graceMs`.
   */
  stop(graceMs: number): Promise<{ drained: boolean }>
}

export type JobHandler = (job: ClaimedJob, signal: AbortSignal) => Promise<JobOutcome>

export interface RunQueue {
  /**
   * Queues a run. Resolves with the job's id, or `undefined` when a run of the sync is already waiting
   * to be picked up (one waiting run per sync: later asks add nothing).
   */
  enqueue(job: RunJob): Promise<string | undefined>
  /**
   * Waits until the job has ended, on whichever worker, and returns what it ended with. When `signal`
   * aborts, the run is cancelled (a waiting job is dropped, a running one is told to stop) and the
   * outcome is still awaited.
   */
  outcome(jobId: string, signal?: AbortSignal): Promise<JobOutcome>
  /** Asks for a job to be cancelled: dropped while it waits, stopped while it runs. */
  cancel(jobId: string): Promise<void>
  /** Starts pulling jobs and running them with `handler`. */
  work(handler: JobHandler, options?: WorkerOptions): QueueWorker
  close(): Promise<void>
}

/** pg-boss keeps a job active for at most a day: its own expiry is a backstop far beyond any lease. */
const JOB_EXPIRY_SECONDS = 23 * 60 * 60

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new SluiceError('config', `the queue schema "${name}" must be letters, digits and underscores`, {
      code: 'BAD_QUEUE_SCHEMA',
    })
  }
  return `"${name}"`
}

/**
 * Opens the run queue: pg-boss in its own schema (created and migrated on first use), plus a table of
 * leases. A worker holds a lease on each job it runs and renews it; a job whose lease lapsed (its worker
 * was killed, or its machine went away) is failed back to the queue and picked up by another worker,
 * whose run resumes from the last commit (the state store's run lock keeps two runs of one sync apart).
 */
export async function openRunQueue(options: RunQueueOptions): Promise<RunQueue> {
  const leaseMs = options.leaseMs ?? 30_000
  const pollMs = options.pollMs ?? 1_000
  const s = quoteIdent(options.schema)
  const boss = new PgBoss({
    connectionString: options.url,
    schema: options.schema,
    application_name: 'sluice-queue',
    max: 4,
    schedule: false,
    // pg-boss's own expiry and archive run on its maintenance timer
    supervise: true,
    maintenanceIntervalSeconds: 60,
  })
  const problems = new Set<(message: string) => void>()
  boss.on('error', (error: Error) => {
    for (const report of problems) report(`queue: ${error.message}`)
  })
  try {
    await boss.start()
  } catch (cause) {
    throw new SluiceError(
      'connection',
      `could not open the run queue in schema ${options.schema}: ${String(cause)}`,
      {
        code: 'QUEUE_UNAVAILABLE',
        cause,
        hint: 'Workers need the PostgreSQL of settings.state; check its URL and that the role may create schemas.',
      },
    )
  }
  const pool = new pg.Pool({ connectionString: options.url, max: 2, application_name: 'sluice-queue' })
  pool.on('error', () => {})
  // several processes opening a new queue at once: one creates it, the others wait and then see it
  const setup = await pool.connect()
  try {
    await setup.query('BEGIN')
    await setup.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sluice-queue:${options.schema}`])
    await setup.query(
      `CREATE TABLE IF NOT EXISTS ${s}.leases (
         job_id uuid PRIMARY KEY,
         worker text NOT NULL,
         expires_at timestamptz NOT NULL,
         cancel boolean NOT NULL DEFAULT false
       )`,
    )
    if (!(await boss.getQueue(RUN_QUEUE))) {
      await boss.createQueue(RUN_QUEUE, {
        name: RUN_QUEUE,
        // one waiting job per sync: asking again while one waits adds nothing
        policy: 'short',
        retryLimit: options.takeovers ?? 3,
        retryDelay: 0,
        expireInSeconds: JOB_EXPIRY_SECONDS,
      })
    }
    await setup.query('COMMIT')
  } catch (error) {
    await setup.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    setup.release()
  }
  const leaseSql = `make_interval(secs => ${leaseMs / 1000})`

  /** Fails jobs whose worker stopped renewing its lease, so another worker takes them over. */
  const reap = async () => {
    const lapsed = await pool.query<{ id: string }>(
      `SELECT j.id FROM ${s}.job j LEFT JOIN ${s}.leases l ON l.job_id = j.id
       WHERE j.name = $1 AND j.state = 'active'
         AND COALESCE(l.expires_at, j.started_on + ${leaseSql}) < now()`,
      [RUN_QUEUE],
    )
    const ids = lapsed.rows.map((row) => row.id)
    if (ids.length === 0) return 0
    for (const id of ids) await boss.fail(RUN_QUEUE, id, { message: 'its worker stopped renewing the lease' })
    await pool.query(`DELETE FROM ${s}.leases WHERE job_id = ANY($1::uuid[])`, [ids])
    return ids.length
  }

  const cancel = async (jobId: string) => {
    const job = await boss.getJobById(RUN_QUEUE, jobId)
    if (!job) return
    if (job.state === 'created' || job.state === 'retry') await boss.cancel(RUN_QUEUE, jobId)
    else if (job.state === 'active') {
      await pool.query(`UPDATE ${s}.leases SET cancel = true WHERE job_id = $1`, [jobId])
    }
  }

  const workers = new Set<QueueWorker>()

  return {
    async enqueue(job) {
      const id = await boss.send(RUN_QUEUE, job as unknown as object, { singletonKey: job.sync })
      return id ?? undefined
    },

    async outcome(jobId, signal) {
      let cancelled = false
      for (;;) {
        if (signal?.aborted && !cancelled) {
          cancelled = true
          await cancel(jobId).catch(() => {})
        }
        const job = await boss.getJobById<RunJob>(RUN_QUEUE, jobId, { includeArchive: true })
        if (!job) {
          throw new SluiceError('internal', `job ${jobId} is not in the run queue`, { code: 'JOB_GONE' })
        }
        if (job.state === 'completed') return job.output as JobOutcome
        if (job.state === 'cancelled') return { runId: job.data.runId, status: 'cancelled' }
        if (job.state === 'failed') {
          const message = (job.output as { message?: string } | null)?.message ?? 'no reason given'
          throw new SluiceError('internal', `the run of "${job.data.sync}" was lost: ${message}`, {
            code: 'RUN_LOST',
            hint: 'Its workers stopped before it ended, more times than the queue takes it over.',
          })
        }
        await sleepOrAbort(pollMs, signal)
      }
    },

    cancel,

    work(handler, workerOptions = {}) {
      const name = workerOptions.name ?? `${hostname()}:${process.pid}`
      const concurrency = Math.max(1, workerOptions.concurrency ?? 1)
      const report = workerOptions.onProblem ?? (() => {})
      problems.add(report)
      const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
      let stopping = false
      let wake: (() => void) | undefined

      const renew = async () => {
        for (const [jobId, run] of running) {
          const row = await pool.query<{ cancel: boolean }>(
            `UPDATE ${s}.leases SET expires_at = now() + ${leaseSql} WHERE job_id = $1 AND worker = $2 RETURNING cancel`,
            [jobId, name],
          )
          if (row.rows.length === 0) {
            report(`lost the lease of job ${jobId}: another worker takes its run over`)
            run.controller.abort()
          } else if (row.rows[0]!.cancel) run.controller.abort()
        }
      }

      const runJob = (job: PgBoss.JobWithMetadata<RunJob>) => {
        const controller = new AbortController()
        const claimed: ClaimedJob = { ...job.data, jobId: job.id, attempt: job.retryCount }
        const done = (async () => {
          try {
            const outcome = await handler(claimed, controller.signal)
            // complete only while the lease is ours: after a takeover the job belongs to another worker
            const ours = await pool.query(`SELECT 1 FROM ${s}.leases WHERE job_id = $1 AND worker = $2`, [
              job.id,
              name,
            ])
            if (ours.rows.length > 0) await boss.complete(RUN_QUEUE, job.id, outcome as object)
          } catch (error) {
            report(
              `job ${job.id} (${job.data.sync}): ${error instanceof Error ? error.message : String(error)}`,
            )
            await boss.fail(RUN_QUEUE, job.id, { message: String(error) }).catch(() => {})
          } finally {
            await pool
              .query(`DELETE FROM ${s}.leases WHERE job_id = $1 AND worker = $2`, [job.id, name])
              .catch(() => {})
            running.delete(job.id)
            wake?.()
          }
        })()
        running.set(job.id, { controller, done })
      }

      const loop = (async () => {
        let lastRenew = 0
        let lastReap = 0
        while (!stopping) {
          try {
            const now = Date.now()
            if (running.size > 0 && now - lastRenew >= leaseMs / 3) {
              lastRenew = now
              await renew()
            }
            if (now - lastReap >= leaseMs / 2) {
              lastReap = now
              await reap()
            }
            if (running.size < concurrency) {
              const [job] = await boss.fetch<RunJob>(RUN_QUEUE, { batchSize: 1, includeMetadata: true })
              if (job) {
                await pool.query(
                  `INSERT INTO ${s}.leases (job_id, worker, expires_at) VALUES ($1, $2, now() + ${leaseSql})
                   ON CONFLICT (job_id) DO UPDATE SET worker = EXCLUDED.worker, expires_at = EXCLUDED.expires_at, cancel = false`,
                  [job.id, name],
                )
                runJob(job)
                continue
              }
            }
          } catch (error) {
            report(`queue poll failed: ${error instanceof Error ? error.message : String(error)}`)
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(pollMs, leaseMs / 3))
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
          wake = undefined
        }
      })()

      const worker: QueueWorker = {
        get active() {
          return running.size
        },
        async stop(graceMs) {
          stopping = true
          wake?.()
          await loop
          for (const run of running.values()) run.controller.abort()
          // leases stay renewed while the runs wind down
          const renewing = setInterval(() => renew().catch(() => {}), leaseMs / 3)
          const all = Promise.all([...running.values()].map((run) => run.done)).then(() => true)
          let timer: NodeJS.Timeout | undefined
          const drained = await Promise.race([
            all,
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(false), graceMs)
            }),
          ])
          clearTimeout(timer)
          clearInterval(renewing)
          problems.delete(report)
          workers.delete(worker)
          return { drained }
        },
      }
      workers.add(worker)
      return worker
    },

    async close() {
      await Promise.all([...workers].map((worker) => worker.stop(0)))
      await boss.stop({ graceful: false, wait: true, timeout: 1_000 }).catch(() => {})
      await pool.end().catch(() => {})
    },
  }
}

/** Waits `ms`, or less when the signal aborts: stopping is not an error here. */
function sleepOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => {})
}
