import { FINAL_STATUSES, type RunRecord, type RunStatus } from '@sluice/core'
import type { TrackingLake } from '@sluice/tracking'

/** When a run entered a phase, as the engine reported it to this server. */
export interface PhaseMark {
  phase: string
  /** ms since the epoch */
  at: number
}

/** One phase of a run as the API shows it. */
export interface RunPhase {
  phase: string
  startedAt: string
  /** null while the phase is still going */
  durationMs: number | null
}

/** Runs whose phase marks are kept in memory: enough for every run a page is likely to show. */
const KEPT_RUNS = 1000

/** The phase marks of the runs this server ran, the oldest forgotten first. */
export class PhaseLog {
  readonly #runs = new Map<string, PhaseMark[]>()

  /** records `phase` for the run unless it is the phase the run is already in */
  mark(runId: string, phase: string, at = Date.now()): void {
    // a final status ends the last phase; it is not one
    if (FINAL_STATUSES.has(phase as RunStatus)) return
    let marks = this.#runs.get(runId)
    if (!marks) {
      marks = []
      this.#runs.set(runId, marks)
      if (this.#runs.size > KEPT_RUNS) this.#runs.delete(this.#runs.keys().next().value!)
    }
    if (marks.at(-1)?.phase !== phase) marks.push({ phase, at })
  }

  of(runId: string): readonly PhaseMark[] | undefined {
    return this.#runs.get(runId)
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

function fromMarks(run: RunRecord, marks: readonly PhaseMark[]): RunPhase[] {
  const end = run.endedAt ? Date.parse(run.endedAt) : undefined
  return marks.map((mark, i) => {
    const next = marks[i + 1]?.at ?? end
    return {
      phase: mark.phase,
      startedAt: iso(mark.at),
      durationMs: next === undefined ? null : Math.max(0, next - mark.at),
    }
  })
}

/**
 * A run's phases with their durations. Runs this server ran have the engine's own phases (querying,
 * preparing, in progress); any other run's are read from its tracking batches: querying and diffing
 * until the first batch, sending until the last one ended, then finishing.
 */
export async function runPhases(
  lake: TrackingLake,
  run: RunRecord,
  marks: readonly PhaseMark[] | undefined,
): Promise<RunPhase[]> {
  if (marks && marks.length > 0) return fromMarks(run, marks)
  const start = Date.parse(run.startedAt)
  const end = run.endedAt ? Date.parse(run.endedAt) : undefined
  const counts = await lake.counts({ sync: run.sync, runId: run.id }).catch(() => undefined)
  if (!counts?.firstBatchStartedAt || !counts.lastBatchEndedAt) {
    return [{ phase: 'querying', startedAt: iso(start), durationMs: end === undefined ? null : end - start }]
  }
  const first = Date.parse(counts.firstBatchStartedAt)
  const last = Date.parse(counts.lastBatchEndedAt)
  return fromMarks(run, [
    { phase: 'querying', at: start },
    { phase: 'in_progress', at: Math.max(start, first) },
    { phase: 'finishing', at: Math.max(start, last) },
  ])
}
