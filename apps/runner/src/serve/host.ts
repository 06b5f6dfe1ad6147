import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  emptyCounts,
  type Logger,
  type RunRecord,
  redact,
  redactingLogger,
  SluiceError,
  silentLogger,
  toSluiceError,
} from '@sluice/core'
import {
  type AlertDelivery,
  alertLogFile,
  type Clock,
  countsForHealth,
  notifyRun,
  type RunOutcome,
  Scheduler,
  type SchedulerEvent,
  type StartedRun,
} from '@sluice/scheduler'
import type { TrackingLake } from '@sluice/tracking'
import type { ProgressView } from '../output/progress.js'
import { executeSync } from '../project/execute.js'
import { openLake } from '../project/lake.js'
import type { Project } from '../project/project.js'
import { type Ledger, openLedger } from '../project/state.js'
import { ServeMetrics } from './metrics.js'
import { PhaseLog } from './phases.js'

/** Everything `sluice serve` keeps while it runs: the scheduler and what the API reads. */
export interface ServeHost {
  project: Project
  scheduler: Scheduler
  ledger: Ledger
  lake: TrackingLake
  metrics: ServeMetrics
  /** live progress of the runs in flight, by run id */
  progress: Map<string, ProgressView>
  /** when each run this server ran entered each phase */
  phases: PhaseLog
  /** where the API is reachable, for links in alerts; set once the server listens */
  baseUrl?: string
  /** the state folder, where the alert and scheduler logs are kept */
  stateDir: string
  /** stops scheduling, cancels runs in flight and waits for them up to `graceMs` */
  close(graceMs: number): Promise<{ drained: boolean }>
}

export interface HostOptions {
  clock?: Clock
  /** a line for people (stderr) */
  say?(line: string): void
  /** the first pause between alert delivery attempts (tests make it short) */
  alertBackoffMs?: number
  /** runs one sync; queue mode enqueues it for a worker instead of running it here */
  runSync?: typeof executeSync
}

/** Connector log lines, counting rate-limit waits; printed only with SLUICE_DEBUG, redacted always. */
function runLogger(sync: string, metrics: ServeMetrics): Logger {
  const print = process.env.SLUICE_DEBUG
    ? (level: string) => (message: string, fields?: Record<string, unknown>) =>
        process.stderr.write(`[${level}] ${sync}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`)
    : undefined
  const inner: Logger = print
    ? { debug: print('debug'), info: print('info'), warn: print('warn'), error: print('error') }
    : silentLogger
  return redactingLogger({
    ...inner,
    debug(message, fields) {
      if (fields?.event === 'retry_wait' && fields.status === 429)
        metrics.rateLimited(sync, Number(fields.delayMs) || 0)
      inner.debug(message, fields)
    },
  })
}

export async function startHost(project: Project, options: HostOptions = {}): Promise<ServeHost> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`))
  const ledger = await openLedger(project)
  const lake = openLake(project)
  const metrics = new ServeMetrics()
  const progress = new Map<string, ProgressView>()
  const phases = new PhaseLog()
  const state = project.resolved.settings.state
  const stateDir = state.backend === 'duckdb' ? state.path : join(project.resolved.dir, '.sluice')
  await mkdir(stateDir, { recursive: true })
  const alertLog = alertLogFile(join(stateDir, 'alerts.jsonl'))
  const eventLog = join(stateDir, 'scheduler.jsonl')

  const host: ServeHost = {
    project,
    ledger,
    lake,
    metrics,
    progress,
    phases,
    stateDir,
    scheduler: undefined as unknown as Scheduler,
    async close(graceMs) {
      const result = await host.scheduler.stop({ graceMs })
      await Promise.allSettled([ledger.close(), lake.close()])
      return result
    },
  }

  const recordEvent = (event: SchedulerEvent) => {
    if (event.type === 'skipped') {
      metrics.skipped(event.sync, event.reason)
      say(`${event.sync}: ${event.trigger} run skipped (${event.reason})`)
    } else if (event.type === 'fired' && event.trigger !== 'schedule') {
      say(`${event.sync}: ${event.trigger.replace('_', '-')} run ${event.runId}`)
    } else if (event.type === 'finished') {
      say(`${event.sync}: run ${event.runId} ${event.status.replace('_', ' ')}`)
    } else if (event.type === 'error') {
      say(`${event.sync}: run ${event.runId} could not run: ${event.message}`)
    }
    appendFile(eventLog, `${JSON.stringify({ ...event, at: new Date(event.at).toISOString() })}\n`).catch(
      () => undefined,
    )
  }

  /** A run that failed before the engine could record it still belongs in the ledger, and alerts. */
  const failedBeforeStart = async (run: StartedRun, error: unknown): Promise<RunRecord> => {
    const e = toSluiceError(error)
    const now = new Date().toISOString()
    const record: RunRecord = {
      id: run.runId,
      sync: run.sync,
      status: 'failed',
      mode: run.mode ?? 'incremental',
      ...(run.dryRun ? { dryRun: true } : {}),
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      counts: emptyCounts(),
      error: { category: e.category, code: e.code, message: redact(e.message) },
    }
    await ledger.store.saveRun(record)
    return record
  }

  const alertAfter = async (run: RunRecord) => {
    const rules = project.resolved.syncs[run.sync]?.alerts ?? []
    if (rules.length === 0 || !countsForHealth(run)) return
    const history = await ledger.listRuns({ sync: run.sync, limit: 100 })
    const previous = history.find(
      (r) => r.id !== run.id && r.startedAt <= run.startedAt && countsForHealth(r),
    )
    const tracked = await lake.runState({ sync: run.sync, runId: run.id }).catch(() => undefined)
    const reasons =
      tracked?.state === 'present'
        ? await lake.rejectionSummary({ sync: run.sync, runId: run.id, examples: 1 }).catch(() => [])
        : []
    const deliveries = await notifyRun(rules, previous, run, {
      project: project.resolved.name ?? project.resolved.settings.org,
      ...(project.resolved.settings.smtp ? { smtp: project.resolved.settings.smtp } : {}),
      ...(host.baseUrl ? { runUrl: `${host.baseUrl}/api/runs/${encodeURIComponent(run.id)}` } : {}),
      reasons,
      log: alertLog,
      ...(options.alertBackoffMs === undefined ? {} : { backoffMs: options.alertBackoffMs }),
      onDelivery: (delivery: AlertDelivery) => {
        metrics.alert(delivery)
        say(
          delivery.delivered
            ? `${run.sync}: ${delivery.event} alert sent by ${delivery.channel} to ${delivery.target}`
            : `${run.sync}: ${delivery.event} alert by ${delivery.channel} to ${delivery.target} could not be delivered after ${delivery.attempts} tries: ${delivery.error}`,
        )
      },
    })
    return deliveries
  }

  const execute = async (run: StartedRun, signal: AbortSignal): Promise<RunOutcome> => {
    let record: RunRecord
    try {
      const result = await (options.runSync ?? executeSync)(project, run.sync, {
        mode: run.mode ?? 'incremental',
        dryRun: run.dryRun === true,
        signal,
        runId: run.runId,
        log: runLogger(run.sync, metrics),
        onProgress: (view) => {
          progress.set(run.runId, view)
          phases.mark(run.runId, view.phase)
        },
      })
      record = result.run
    } catch (error) {
      // another process holds the sync: the scheduler reports it as skipped
      if (error instanceof SluiceError && error.category === 'conflict') throw error
      record = await failedBeforeStart(run, error)
    } finally {
      progress.delete(run.runId)
    }
    metrics.runFinished(record)
    // an alert that cannot be delivered is recorded; it never changes the run's outcome
    await alertAfter(record).catch((error: unknown) =>
      say(`${run.sync}: alerts failed: ${redact(String(error))}`),
    )
    return { runId: record.id, status: record.status }
  }

  host.scheduler = new Scheduler({
    syncs: Object.values(project.resolved.syncs).map((sync) => ({
      name: sync.name,
      enabled: sync.enabled,
      schedule: sync.schedule,
    })),
    maxConcurrentRuns: project.resolved.settings.maxConcurrentRuns,
    execute,
    lastRunAt: async (sync) => {
      const [last] = await ledger.listRuns({ sync, limit: 1 })
      return last ? Date.parse(last.startedAt) : undefined
    },
    ...(options.clock ? { clock: options.clock } : {}),
    onEvent: recordEvent,
  })
  metrics.countInFlight(() => host.scheduler.active)
  return host
}
