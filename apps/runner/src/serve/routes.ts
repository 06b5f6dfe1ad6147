import { PassThrough, Readable } from 'node:stream'
import { FINAL_STATUSES, type RunRecord, redact, type SyncOverview, toSluiceError } from '@sluice/core'
import type { RecordPosition } from '@sluice/tracking'
import type { TObject, TSchema } from 'typebox'
import { runJson } from '../output/run-summary.js'
import { parseSince, runReport } from '../project/history.js'
import { decodeRecordsCursor, encodeRecordsCursor } from './cursor.js'
import type { ServeHost } from './host.js'
import { syncOverview } from './overview-cache.js'
import { runPhases } from './phases.js'
import { ApiProblem, badRequest, conflict, notFound } from './problem.js'
import {
  ExportQuery,
  RecordsQuery,
  ResetBody,
  RunParams,
  RunsQuery,
  SyncParams,
  TriggerBody,
} from './schemas.js'
import { syncConfigView } from './sync-config.js'

/** Who may call a route: anyone, the API token's holder, or a webhook caller with its token. */
export type Access = 'public' | 'api' | 'webhook'

export interface RouteRequest {
  params: Record<string, string>
  query: unknown
  body: unknown
  url: string
}

export interface RouteSpec {
  method: 'get' | 'post'
  /** OpenAPI style: `/api/syncs/{sync}` */
  path: string
  summary: string
  access: Access
  params?: TObject
  query?: TObject
  body?: TObject
  /** status → description of the answer */
  responses: Record<number, string>
  /** the media type of a successful answer (JSON unless said) */
  produces?: string
  handle(host: ServeHost, request: RouteRequest): Promise<Response>
}

const json = (body: unknown, status = 200) =>
  new Response(`${JSON.stringify(body)}\n`, { status, headers: { 'content-type': 'application/json' } })

const requireSync = (host: ServeHost, name: string) => {
  const sync = host.project.resolved.syncs[name]
  if (!sync) throw notFound(`no sync "${name}" in this project; GET /api/syncs lists them`)
  return sync
}

async function requireRun(host: ServeHost, id: string): Promise<RunRecord> {
  const run = await host.ledger.findRun(id)
  if (run) return run
  // named by the scheduler, not yet in the ledger
  for (const schedule of host.scheduler.schedules()) {
    const live =
      schedule.running?.runId === id
        ? schedule.running
        : schedule.queued?.runId === id
          ? schedule.queued
          : undefined
    if (live)
      throw new ApiProblem(
        425,
        'Not ready',
        `run ${id} of ${schedule.sync} has not started yet; ask again shortly`,
      )
  }
  throw notFound(`no run "${id}" in this project's history; GET /api/runs lists them`)
}

/** A sync as the API shows it: health and last run from the ledger, schedule from the scheduler. */
function syncView(host: ServeHost, overview: SyncOverview) {
  const schedule = host.scheduler.schedule(overview.sync)
  const running = schedule?.running
  const live = running ? host.progress.get(running.runId) : undefined
  return {
    name: overview.sync,
    model: overview.model,
    destination: overview.destination,
    object: overview.object,
    behaviour: overview.behaviour,
    enabled: overview.enabled,
    health: running ? 'in_progress' : overview.health,
    schedule: schedule?.schedule ?? { type: 'manual' },
    nextRunAt: schedule?.nextFireAt === undefined ? null : new Date(schedule.nextFireAt).toISOString(),
    running: running
      ? {
          runId: running.runId,
          trigger: running.trigger,
          startedAt: new Date(running.startedAt).toISOString(),
          progress: live ?? null,
        }
      : null,
    queued: schedule?.queued ?? null,
    lastRun: overview.lastRun ? runJson(overview.lastRun) : null,
  }
}

const invalidCursor = () =>
  badRequest('the cursor is not one this API gave out for this run', [
    { field: 'cursor', message: 'is not a cursor from nextCursor' },
  ])

function decodeCursor(cursor: string): RecordPosition {
  const position = decodeRecordsCursor(cursor)
  if (!position) throw invalidCursor()
  return position
}

function triggerAnswer(
  host: ServeHost,
  sync: string,
  body: { mode?: RunRecord['mode']; dryRun?: boolean },
  trigger: 'api' | 'webhook',
) {
  const answer = host.scheduler.trigger({
    sync,
    trigger,
    ...(body.mode ? { mode: body.mode } : {}),
    ...(body.dryRun ? { dryRun: true } : {}),
  })
  if (!answer.accepted) {
    const why = {
      running: `sync ${sync} is running (run ${answer.runId}); one run per sync at a time`,
      queued: `a run of sync ${sync} is already waiting to start (run ${answer.runId})`,
      disabled: `sync ${sync} is disabled (enabled: false)`,
      stopping: 'the server is shutting down',
      locked: `another process is running sync ${sync}`,
    }[answer.reason]
    throw answer.reason === 'stopping' ? new ApiProblem(503, 'Unavailable', why) : conflict(why)
  }
  const run = answer.run
  return json(
    {
      runId: run.runId,
      sync,
      trigger,
      mode: run.mode ?? 'incremental',
      dryRun: run.dryRun ?? false,
      status: 'queued',
      url: `/api/runs/${run.runId}`,
    },
    202,
  )
}

export const ROUTES: RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'liveness: the server and its scheduler are up',
    access: 'public',
    responses: { 200: 'up' },
    handle: async (host) => json({ status: 'ok', runsInFlight: host.scheduler.active }),
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics: runs and records by status, run durations, rate-limit waits, alerts',
    access: 'api',
    responses: { 200: 'the Prometheus text format' },
    produces: 'text/plain',
    handle: async (host) =>
      new Response(host.metrics.render(), {
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      }),
  },
  {
    method: 'get',
    path: '/api/syncs',
    summary: 'every sync with its health, schedule, next run and last run (sluice status)',
    access: 'api',
    responses: { 200: 'the syncs' },
    handle: async (host) => {
      const overview = await syncOverview(host)
      return json({ syncs: overview.map((o) => syncView(host, o)) })
    },
  },
  {
    method: 'get',
    path: '/api/syncs/{sync}',
    summary:
      'one sync, with its next fire times (sluice schedule) and its configuration, secrets masked (the sync, its model, its destination)',
    access: 'api',
    params: SyncParams,
    responses: { 200: 'the sync', 404: 'no such sync' },
    handle: async (host, { params }) => {
      requireSync(host, params.sync!)
      const overview = (await syncOverview(host)).find((o) => o.sync === params.sync)!
      return json({
        ...syncView(host, overview),
        nextFireTimes: host.scheduler.nextFireTimes(params.sync!, 5).map((d) => d.toISOString()),
        config: syncConfigView(host.project, params.sync!),
      })
    },
  },
  {
    method: 'post',
    path: '/api/syncs/{sync}/runs',
    summary: 'start a run now (sluice run): incremental, full resync, reset CDC, or a dry run',
    access: 'api',
    params: SyncParams,
    body: TriggerBody,
    responses: {
      202: 'the run is queued; follow its url',
      404: 'no such sync',
      409: 'the sync is running or disabled',
    },
    handle: async (host, { params, body }) => {
      requireSync(host, params.sync!)
      return triggerAnswer(host, params.sync!, body as TriggerBody, 'api')
    },
  },
  {
    method: 'post',
    path: '/api/syncs/{sync}/reset',
    summary:
      'forget the sync state (a full resync next time), or with cdc: true record the current rows as synced (sluice reset)',
    access: 'api',
    params: SyncParams,
    body: ResetBody,
    responses: {
      200: 'the state was reset',
      202: 'a reset_cdc run is queued',
      404: 'no such sync',
      409: 'the sync is running',
    },
    handle: async (host, { params, body }) => {
      const sync = requireSync(host, params.sync!).name
      if ((body as ResetBody).cdc) return triggerAnswer(host, sync, { mode: 'reset_cdc' }, 'api')
      const schedule = host.scheduler.schedule(sync)
      if (schedule?.running || schedule?.queued)
        throw conflict(`sync ${sync} is running; reset it once the run has ended`)
      await host.ledger.reset(sync)
      return json({ sync, reset: 'full' })
    },
  },
  {
    method: 'get',
    path: '/api/runs',
    summary: 'run history, newest first (sluice runs)',
    access: 'api',
    query: RunsQuery,
    responses: { 200: 'the runs' },
    handle: async (host, { query }) => {
      const q = query as RunsQuery
      if (q.sync !== undefined) requireSync(host, q.sync)
      let since: Date | undefined
      try {
        since = q.since === undefined ? undefined : parseSince(q.since)
      } catch (error) {
        throw badRequest(String((error as Error).message), [
          { field: 'since', message: 'is neither a duration (30m, 6h, 2d, 1w) nor a date' },
        ])
      }
      const runs = await host.ledger.listRuns({
        ...(q.sync ? { sync: q.sync } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(since ? { since } : {}),
        limit: q.limit ?? 20,
      })
      return json({ runs: runs.map(runJson) })
    },
  },
  {
    method: 'get',
    path: '/api/runs/{run}',
    summary:
      'one run: counts, phase, live progress, phases with their durations, top rejection reasons (sluice runs show)',
    access: 'api',
    params: RunParams,
    responses: { 200: 'the run', 404: 'no such run', 425: 'the run is queued and not in the ledger yet' },
    handle: async (host, { params }) => {
      const run = await requireRun(host, params.run!)
      const report = await runReport(host.lake, run, 3)
      const live = host.progress.get(run.id)
      return json({
        ...runJson(run),
        phase: live?.phase ?? run.status,
        final: FINAL_STATUSES.has(run.status),
        progress: live ?? null,
        tracking: report.tracking,
        purged: report.purged ?? null,
        reasons: report.reasons,
        phases: await runPhases(host.lake, run, host.phases.of(run.id)),
      })
    },
  },
  {
    method: 'post',
    path: '/api/runs/{run}/cancel',
    summary: 'cancel a run: the batch in flight finishes, what was committed is kept, the run ends cancelled',
    access: 'api',
    params: RunParams,
    responses: { 202: 'cancelling', 404: 'no such run', 409: 'the run has already ended' },
    handle: async (host, { params }) => {
      if (host.scheduler.cancel(params.run!)) return json({ runId: params.run, status: 'cancelling' }, 202)
      const run = await requireRun(host, params.run!)
      throw conflict(`run ${run.id} is not running here (it is ${run.status})`)
    },
  },
  {
    method: 'get',
    path: '/api/runs/{run}/records',
    summary: "a run's row-level results, a page at a time (sluice records)",
    access: 'api',
    params: RunParams,
    query: RecordsQuery,
    responses: {
      200: 'a page of rows and the cursor of the next',
      404: 'no such run',
      410: 'retention removed the rows',
    },
    handle: async (host, { params, query }) => {
      const q = query as RecordsQuery
      const run = await requireRun(host, params.run!)
      const ref = { sync: run.sync, runId: run.id }
      const state = await host.lake.runState(ref)
      if (state.state === 'purged') {
        throw new ApiProblem(
          410,
          'Gone',
          `row-level tracking for run ${run.id} was removed by retention on ${state.purged.purgedAt}`,
        )
      }
      const after = q.cursor ? decodeCursor(q.cursor) : undefined
      const page = await host.lake
        .records({
          ...ref,
          ...(q.status ? { status: q.status } : {}),
          ...(q.operation ? { operation: q.operation } : {}),
          ...(q.search ? { identifier: q.search } : {}),
          limit: q.limit ?? 100,
          ...(after ? { after } : {}),
        })
        .catch((error: unknown) => {
          throw toSluiceError(error).code === 'INVALID_POSITION' ? invalidCursor() : error
        })
      return json({
        runId: run.id,
        sync: run.sync,
        total: page.total,
        rows: page.rows,
        nextCursor: page.next ? encodeRecordsCursor(page.next) : null,
      })
    },
  },
  {
    method: 'get',
    path: '/api/runs/{run}/records/export',
    summary: 'every matching row of a run, streamed as CSV or JSON lines (sluice records --export)',
    access: 'api',
    params: RunParams,
    query: ExportQuery,
    responses: { 200: 'the rows', 404: 'no such run', 410: 'retention removed the rows' },
    produces: 'text/csv',
    handle: async (host, { params, query }) => {
      const q = query as ExportQuery
      const run = await requireRun(host, params.run!)
      const ref = { sync: run.sync, runId: run.id }
      const state = await host.lake.runState(ref)
      if (state.state === 'purged')
        throw new ApiProblem(410, 'Gone', `row-level tracking for run ${run.id} was removed by retention`)
      const out = new PassThrough()
      host.lake
        .export({
          ...ref,
          ...(q.status ? { status: q.status } : {}),
          ...(q.operation ? { operation: q.operation } : {}),
          ...(q.search ? { identifier: q.search } : {}),
          format: q.format,
          to: out,
        })
        .then(
          () => out.end(),
          (error: unknown) => out.destroy(new Error(redact(String(error)))),
        )
      return new Response(Readable.toWeb(out) as ReadableStream, {
        headers: {
          'content-type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
          'content-disposition': `attachment; filename="${run.id}.${q.format}"`,
        },
      })
    },
  },
  {
    method: 'post',
    path: '/hooks/syncs/{sync}/run',
    summary: 'start a run from another system ("run after my dbt job"); needs the webhook or API token',
    access: 'webhook',
    params: SyncParams,
    body: TriggerBody,
    responses: {
      202: 'the run is queued',
      401: 'no or a wrong token',
      404: 'no such sync',
      409: 'the sync is running',
    },
    handle: async (host, { params, body }) => {
      requireSync(host, params.sync!)
      return triggerAnswer(host, params.sync!, body as TriggerBody, 'webhook')
    },
  },
]

/** Schemas a route declares, for the OpenAPI document. */
export function routeSchemas(route: RouteSpec): TSchema[] {
  return [route.params, route.query, route.body].filter((s): s is TObject => s !== undefined)
}
