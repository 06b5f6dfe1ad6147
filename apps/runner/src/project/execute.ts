import { setMaxListeners } from 'node:events'
import {
  DEFAULTS,
  type Logger,
  type RunMode,
  type RunProgress,
  type RunSyncResult,
  rateLimitScope,
  runSync,
  withSharedRateLimits,
} from '@sluice/core'
import { capabilitiesOf } from '@sluice/core/contract'
import { createRetryBudget } from '@sluice/core/http'
import type { ProgressView } from '../output/progress.js'
import { invalidTotal, sumOf } from '../output/run-summary.js'
import { connectDestination, connectorContext, connectSource } from './connect.js'
import { openLake } from './lake.js'
import type { Project } from './project.js'
import { requireSync } from './project.js'
import { openState } from './state.js'

export interface ExecuteOptions {
  mode: RunMode
  dryRun: boolean
  /** run even when a safeguard would stop it */
  force?: boolean
  signal: AbortSignal
  onProgress?: (view: ProgressView) => void
  /** the run's id, when the caller chose it (the scheduler names a run before it starts) */
  runId?: string
  /** where connector log lines go; the CLI's logger when absent */
  log?: Logger
}

/** The engine's progress as the display shows it. */
export function progressView(sync: string, progress: RunProgress): ProgressView {
  const c = progress.counts
  const succeeded = sumOf(c.succeeded)
  const rejected = Math.max(progress.rejected, sumOf(c.rejected))
  const toSend = c.added + c.changed + c.removed
  return {
    sync,
    phase: progress.phase,
    queried: c.queried,
    added: c.added,
    changed: c.changed,
    removed: c.removed,
    invalid: invalidTotal(c),
    batchesSent: progress.batchesSent,
    sent: succeeded + rejected,
    rejected,
    ...(progress.phase === 'in_progress' && toSend > 0 ? { toSend } : {}),
  }
}

/**
 * One run of one sync, with every concrete part wired in: the source and destination connectors, the
 * state store and the tracking lake. Everything opened here is closed here, whatever happens.
 */
export async function executeSync(
  project: Project,
  name: string,
  options: ExecuteOptions,
): Promise<RunSyncResult> {
  // Every request in flight listens to the run's signal: many listeners on one signal is the design here.
  setMaxListeners(0, options.signal)
  const sync = requireSync(project, name)
  const model = project.resolved.models[sync.model]!
  // One retry budget for every request of the run: a destination that keeps failing fails the run.
  const ctx = {
    ...connectorContext(options.signal, options.log),
    retryBudget: createRetryBudget(DEFAULTS.runRetryBudget),
  }
  const sourceType = project.resolved.sources[model.source]!.type
  const destinationType = project.resolved.destinations[sync.destination]!.type
  const source = connectSource(project, model.source, ctx)
  const destination = connectDestination(project, sync.destination, ctx)
  const state = await openState(project)
  const logs = project.resolved.settings.warehouseLogs
  // Warehouse sync logs go into the source the settings name, through this run's own connection
  // when it is the model's source.
  const logSource = logs.enabled
    ? logs.source === model.source
      ? source
      : connectSource(project, logs.source, ctx)
    : undefined
  const logDialect = logs.enabled
    ? project.connectors.sources![project.resolved.sources[logs.source]!.type]!.capabilities.dialect
    : 'duckdb'
  const lake = openLake(
    project,
    logs.enabled && logSource?.execute
      ? {
          schema: logs.schema,
          target: () => ({ execute: logSource.execute!.bind(logSource), dialect: logDialect }),
        }
      : undefined,
  )
  // With settings.rateLimits, the destination's HTTP clients share its quota with every process that
  // writes with the same config (its credentials): the scope is a hash, the secret stays here.
  const shared = project.resolved.settings.rateLimits
  const destinationConfig = project.resolved.destinations[sync.destination]!
  const inScope = <T>(work: () => Promise<T>): Promise<T> =>
    shared
      ? withSharedRateLimits(
          {
            redisUrl: shared.redis,
            scope: rateLimitScope(destinationConfig.type, destinationConfig.config),
          },
          work,
        )
      : work()
  try {
    return await inScope(() =>
      runSync({
        syncName: name,
        sync,
        model,
        source,
        sourceCapabilities: project.connectors.sources![sourceType]!.capabilities,
        destination,
        // A connector whose capabilities come from its config is held to those of this config.
        destinationCapabilities: capabilitiesOf(
          project.connectors.destinations![destinationType]!,
          destinationConfig.config,
        ),
        state,
        tracking: lake,
        org: project.resolved.settings.org,
        mode: options.mode,
        dryRun: options.dryRun,
        force: options.force === true,
        rejectedRetryDays: project.resolved.settings.rejectedRetryDays,
        signal: options.signal,
        projectDir: project.resolved.dir,
        log: ctx.log,
        onProgress: (progress) => options.onProgress?.(progressView(name, progress)),
        ...(options.runId ? { runId: options.runId } : {}),
      }),
    )
  } finally {
    await Promise.allSettled([
      destination.close?.(),
      source.close?.(),
      logSource === source ? undefined : logSource?.close?.(),
      state.close(),
      lake.close(),
    ])
  }
}
