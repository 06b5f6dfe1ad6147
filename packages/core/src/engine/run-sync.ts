import { hostname } from 'node:os'
import type { ConnectorContext } from '../contract/destination.js'
import type { Value } from '../contract/records.js'
import { DEFAULTS } from '../defaults.js'
import { SluiceError, toSluiceError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { compileMapping } from '../mapping/mapper.js'
import { readPath } from '../mapping/paths.js'
import { redact } from '../redact.js'
import { emptyCounts, type RunRecord, type RunStatus } from '../run.js'
import { batchSize, commitIntervalMs, commitRecords, concurrency } from './batching.js'
import { maxCursor } from './cursor.js'
import { dryRunPlan } from './dry-run.js'
import { foldJournals } from './fold.js'
import { trackInvalid } from './invalid-rows.js'
import { JournalWriter } from './journal.js'
import { type Dialect, quoteIdentifier, resolveModelSql } from './model.js'
import { stagedPayloadText } from './outbound.js'
import { planChange } from './plan.js'
import { checkRunnable } from './preflight.js'
import { newRunId } from './run-id.js'
import { safeguardTrip } from './safeguards.js'
import { type Outbound, Sender } from './sender.js'
import { stageRow } from './stage.js'
import type { DiffSession, StagedRow } from './state.js'
import type { RunSyncOptions, RunSyncResult } from './types.js'

const DAY_MS = 86_400_000
const LEDGER_SAVE_INTERVAL_MS = 1000

/**
 * Runs one sync: resolve → query (streamed) → map, hash, stage → diff in the state store → plan from
 * the behaviour → send in batches → commit what the destination acknowledged, batch by batch.
 *
 * A refused start (another run in progress, a sync that cannot run) throws a SluiceError. Once the run
 * has started it always resolves, with the run as the ledger keeps it: `succeeded`,
 * `partially_succeeded` (rows rejected, invalid or expired), `failed` (with the error) or `cancelled`.
 */
export async function runSync(options: RunSyncOptions): Promise<RunSyncResult> {
  const { syncName, sync, model, state } = options
  // A destination that keeps a whole copy of the model per run is sent every row, every run.
  const mode = options.mode ?? (options.destination.wantsEveryRow ? 'full_resync' : 'incremental')
  const now = options.now ?? (() => new Date())
  const log: Logger = options.log ?? silentLogger
  checkRunnable(options, mode)

  const runId = options.runId ?? newRunId(now())
  const lock = await state.acquireLock(syncName, runId)
  const startedAt = now()
  const run: RunRecord = {
    id: runId,
    sync: syncName,
    status: 'querying',
    mode,
    ...(options.dryRun ? { dryRun: true } : {}),
    startedAt: startedAt.toISOString(),
    counts: emptyCounts(),
    pid: process.pid,
    host: hostname(),
  }
  const result: RunSyncResult = { run }
  const signal = options.signal ?? new AbortController().signal
  const ctx: ConnectorContext = {
    signal,
    log,
    run: { id: runId, sync: syncName, startedAt: startedAt.toISOString() },
  }
  let sender: Sender | undefined
  let session: DiffSession | undefined
  let lastSave = 0
  // Ledger writes go one after another, so a slow progress write can never land after the final one.
  let saving: Promise<void> = Promise.resolve()
  const save = (force = false): Promise<void> => {
    if (!force && Date.now() - lastSave < LEDGER_SAVE_INTERVAL_MS) return saving
    lastSave = Date.now()
    saving = saving.catch(() => {}).then(() => state.saveRun(run))
    return saving
  }
  const progress = () => {
    options.onProgress?.({
      runId,
      phase: run.status,
      counts: run.counts,
      batchesSent: sender?.batchesSent ?? 0,
      rejected: sender?.rejectedSoFar ?? 0,
    })
  }
  const phase = async (status: RunStatus) => {
    run.status = status
    progress()
    await save(true)
  }
  const checkCancelled = () => {
    if (signal.aborted) throw new SluiceError('cancelled', 'the run was cancelled', { code: 'CANCELLED' })
  }

  try {
    await phase('querying')
    session = await state.openDiff(syncName)
    const trackBase = { org: options.org ?? 'default', sync: syncName, runId }
    // What a killed run had acknowledged enters the snapshot (and its rows the lake) before the diff.
    if (!options.dryRun) await foldJournals(state, session, options.tracking, trackBase)
    const cursorMode = model.cursor !== undefined && mode === 'incremental'
    const cursorAfter = cursorMode ? await state.getCursor(syncName) : undefined
    const sql = resolveModelSql(model, {
      dialect: options.sourceCapabilities.dialect,
      ...(options.projectDir ? { projectDir: options.projectDir } : {}),
      ...(cursorAfter !== undefined ? { cursorAfter } : {}),
    })
    const described = await options.source.describe(sql, ctx)
    const mapper = compileMapping(sync, described)
    const readSql = narrowedSql(sql, mapper.columns, model.cursor, options.sourceCapabilities.dialect)

    // A store in the source's own database may stage the model there (snapshot mode: cursor mode
    // needs each row's cursor here), and then only the changes travel.
    const stagedThere =
      session.stageFromSource && !model.cursor
        ? await session.stageFromSource({
            source: options.source,
            dialect: options.sourceCapabilities.dialect,
            sql,
            columns: described,
            sync,
          })
        : undefined
    if (stagedThere !== undefined) run.counts.queried = stagedThere

    // Query, map, hash and stage, chunk by chunk: the model never sits in JS memory as a whole.
    let cursor: Value | undefined
    const streamed =
      stagedThere === undefined
        ? options.source.query(readSql, { chunkSize: DEFAULTS.queryChunkRows, signal })
        : []
    for await (const rows of streamed) {
      checkCancelled()
      const staged: StagedRow[] = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as (typeof rows)[number]
        staged[i] = stageRow(mapper, row)
        if (model.cursor) cursor = maxCursor(cursor, readPath(row, model.cursor) ?? null)
      }
      await session.stage(staged)
      run.counts.queried += rows.length
      progress()
      await save()
    }

    await phase('preparing')
    const retryDays = options.rejectedRetryDays ?? DEFAULTS.rejectedRetryDays
    const summary = await session.diff({
      mode,
      removals: mode === 'incremental' && !cursorMode,
      retryRejectedSince: new Date(now().getTime() - retryDays * DAY_MS),
    })
    Object.assign(run.counts, {
      added: summary.added,
      changed: summary.changed,
      removed: summary.removed,
      unchanged: summary.unchanged,
      expired: summary.expired,
    })
    run.counts.invalid.null = summary.null
    run.counts.invalid.duplicate = summary.duplicate
    checkCancelled()
    if (mode === 'incremental' && !options.force) {
      const tripped = safeguardTrip(sync, summary)
      if (tripped) throw tripped
    }

    let batchNumber = 0
    const nextBatchNumber = () => ++batchNumber

    if (mode === 'reset_cdc') {
      if (!options.dryRun) {
        await session.replaceSnapshot()
        if (model.cursor) await state.setCursor(syncName, cursor)
      }
    } else if (options.dryRun) {
      await phase('in_progress')
      Object.assign(result, await dryRunPlan(options, session, mapper, signal, run.counts))
    } else {
      await phase('in_progress')
      const commitSize = commitRecords(options)
      if (options.tracking) await trackInvalid(options, session, trackBase, nextBatchNumber, commitSize, now)
      sender = new Sender({
        destination: options.destination,
        object: sync.object,
        identifierField: sync.identifier.field,
        batchSize: batchSize(options),
        concurrency: concurrency(options),
        commitSize,
        commitIntervalMs: commitIntervalMs(options),
        session,
        journal: new JournalWriter(state.journal(syncName), runId),
        ...(options.tracking ? { tracking: options.tracking } : {}),
        track: trackBase,
        ...(ctx.run ? { run: ctx.run } : {}),
        counts: run.counts,
        now,
        signal,
        log,
        nextBatchNumber,
        onProgress: () => {
          progress()
          void save().catch(() => {})
        },
      })
      const kinds = [['added', 'changed'] as const, ...(summary.removed > 0 ? [['removed'] as const] : [])]
      for (const phaseKinds of kinds) {
        for await (const chunk of session.changes(phaseKinds)) {
          if (sender.stopped) break
          for (const change of chunk) {
            const planned = planChange(change, sync, mapper)
            if (planned.record === undefined) {
              run.counts.skipped++
              sender.settle(planned.step === 'accept' ? 'put' : 'remove', change)
            } else {
              const item: Outbound = { change, record: planned.record }
              const payloadJson = stagedPayloadText(change, planned.step)
              if (payloadJson !== undefined) item.payloadJson = payloadJson
              if (planned.invalid !== undefined) item.invalid = planned.invalid
              const started = sender.add(planned.step, item)
              if (started) await started
            }
            if (sender.stopped) break
          }
        }
      }
      await sender.finish()
      checkCancelled()
      if (sender.failure) throw sender.failure
      // Every batch is in: the destination may now make the run's output visible (a manifest).
      if (options.destination.finishRun) await options.destination.finishRun(ctx)
    }

    const c = run.counts
    const rejected = Object.values(c.rejected).reduce((a, b) => a + (b ?? 0), 0)
    const troubled = rejected + c.invalid.null + c.invalid.duplicate + c.invalid.other + c.expired > 0
    run.status = troubled ? 'partially_succeeded' : 'succeeded'
    // The cursor advances only when every row of the run made it (a full resync read them all).
    if (model.cursor !== undefined && !options.dryRun && run.status === 'succeeded' && cursor !== undefined) {
      await state.setCursor(syncName, cursor)
    }
  } catch (error) {
    const err = toSluiceError(error)
    run.status = signal.aborted || err.category === 'cancelled' ? 'cancelled' : 'failed'
    run.error = { category: err.category, code: err.code, message: redact(err.message) }
    log.error(`run ${runId} of sync "${syncName}" ${run.status}`, { message: run.error.message })
  } finally {
    const endedAt = now()
    run.endedAt = endedAt.toISOString()
    run.durationMs = endedAt.getTime() - startedAt.getTime()
    try {
      // Finishing may fail too (a full disk while compacting): the ledger still gets the run's final
      // status, and the first cause is the one reported, never a later one.
      const finishing = await finishQuietly([() => sender?.abandon(), () => session?.close()])
      if (finishing !== undefined && run.error === undefined) {
        const err = toSluiceError(finishing)
        run.status = 'failed'
        run.error = { category: err.category, code: err.code, message: redact(err.message) }
      }
      await save(true).catch((error: unknown) => {
        log.error(`the ledger could not record run ${runId} as ${run.status}`, {
          message: redact(String(error)),
        })
      })
      progress()
      if (options.tracking?.runFinished && !options.dryRun) {
        // Purges and warehouse logs come after the run: their failure does not change its outcome.
        await options.tracking.runFinished(run).catch((error: unknown) => {
          log.warn(`tracking could not finish run ${runId}`, { message: redact(String(error)) })
        })
      }
    } finally {
      await lock.release()
    }
  }
  return result
}

/** Runs every step, whatever fails; the first error, if any. */
async function finishQuietly(steps: ReadonlyArray<() => Promise<unknown> | undefined>): Promise<unknown> {
  let first: unknown
  for (const step of steps) {
    try {
      await step()
    } catch (error) {
      first ??= error
    }
  }
  return first
}

/** Reads only the columns the sync uses: wide models leave the rest in the warehouse. */
function narrowedSql(
  sql: string,
  used: readonly string[] | undefined,
  cursor: string | undefined,
  dialect: Dialect,
) {
  if (!used) return sql
  const columns = new Set(used)
  if (cursor) columns.add(cursor)
  const list = [...columns].map((c) => quoteIdentifier(c, dialect)).join(', ')
  return `SELECT ${list} FROM (${sql}) AS sluice_rows`
}
