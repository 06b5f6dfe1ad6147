import { emptyCounts, type RunMode, type RunRecord, toSluiceError } from '@sluice/core'
import { EXIT, exitCodeForStatus, worstExitCode } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { UsageError } from '../framework/usage-error.js'
import { n, paintFor, toJson } from '../output/format.js'
import { reporterFor } from '../output/progress.js'
import { NOT_STARTED } from '../output/run-summary.js'
import { executeSync } from '../project/execute.js'
import { openProject } from '../project/project.js'
import { selectSyncs } from '../project/select-syncs.js'

/**
 * Ctrl-C once: the run is cancelled cleanly (the batch in flight finishes, committed work is kept).
 * Twice: stop at once; the next run resumes, as after a crash.
 */
function cancelOnInterrupt(controller: AbortController, say: (text: string) => void): () => void {
  let presses = 0
  const onSignal = () => {
    presses++
    if (presses === 1) {
      say(
        'cancelling: finishing the batch in flight, keeping what was committed (Ctrl-C again to stop at once)',
      )
      controller.abort()
    } else {
      process.exit(EXIT.cancelled)
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** A run that could not start (another run holds the lock, a connector failed to load) as a failed run. */
function unstarted(sync: string, mode: RunMode, dryRun: boolean, error: unknown): RunRecord {
  const e = toSluiceError(error)
  const now = new Date().toISOString()
  return {
    id: NOT_STARTED,
    sync,
    status: 'failed',
    mode,
    dryRun,
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    counts: emptyCounts(),
    error: { category: e.category, code: e.code, message: e.message },
  }
}

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  if (values['full-resync'] && values['reset-cdc']) {
    throw new UsageError('--full-resync and --reset-cdc cannot be combined: choose one.', 'run')
  }
  const mode: RunMode = values['full-resync']
    ? 'full_resync'
    : values['reset-cdc']
      ? 'reset_cdc'
      : 'incremental'
  const dryRun = values['dry-run'] === true
  const project = await openProject(global)
  const { syncs: names, skipped } = selectSyncs(project, {
    names: positionals,
    all: values.all === true,
    select: (values.select as string[] | undefined) ?? [],
    force: values.force === true,
  })

  const reporter = reporterFor(global.json)
  const paint = paintFor(process.stdout)
  const controller = new AbortController()
  const stopListening = cancelOnInterrupt(controller, (text) => reporter.note(paint.yellow(text)))
  for (const name of skipped)
    reporter.note(paint.dim(`skipped ${name}: disabled (enabled: false; --force runs it)`))
  const codes: number[] = []
  try {
    for (const name of names) {
      if (controller.signal.aborted) break
      let run: RunRecord
      try {
        const result = await executeSync(project, name, {
          mode,
          dryRun,
          force: values.force === true,
          signal: controller.signal,
          onProgress: (view) => reporter.progress(view),
        })
        run = result.run
        reporter.finished(run)
        if (dryRun && !global.json) {
          const planned = Object.entries(result.planned ?? {}).map(([op, count]) => `${op} ${n(count ?? 0)}`)
          reporter.note(`    would send: ${planned.length > 0 ? planned.join(', ') : 'nothing'}`)
          for (const { operation, record } of result.preview ?? []) {
            reporter.note(paint.dim(`    ${operation} ${toJson(record.fields)}`))
          }
        }
      } catch (error) {
        run = unstarted(name, mode, dryRun, error)
        reporter.finished(run)
      }
      codes.push(exitCodeForStatus(run.status, run.error?.code))
    }
  } finally {
    stopListening()
  }
  return worstExitCode(codes)
}
