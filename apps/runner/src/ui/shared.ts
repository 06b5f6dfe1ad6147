import { ApiError, post, type Run, SignInNeeded, type Sync } from './api.js'
import { announce, badge, h, n, relative } from './dom.js'

/** What the app does when the API asks for a token: set by the router. */
export const session = { signIn: () => {} }

/** Shows an error where it happened, or the sign-in form when the token is missing or wrong. */
export function failed(error: unknown, show: (message: string) => void): void {
  if (error instanceof SignInNeeded) session.signIn()
  else show(error instanceof Error ? error.message : String(error))
}

/** Re-runs `tick` every `ms` until stopped; a slow answer delays the next call, never overlaps it. */
export function every(ms: number, tick: () => Promise<unknown>): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const loop = async () => {
    if (stopped) return
    let more: unknown = true
    try {
      more = await tick()
    } catch (error) {
      if (error instanceof SignInNeeded) {
        session.signIn()
        return
      }
      // another failed refresh: the next one may succeed
    }
    if (!stopped && more !== false) timer = setTimeout(loop, ms)
  }
  timer = setTimeout(loop, ms)
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}

export function scheduleText(schedule: Sync['schedule']): string {
  if (schedule.type === 'interval') return `every ${String(schedule.every)}`
  if (schedule.type === 'cron') return `cron ${String(schedule.expression)}`
  if (schedule.type === 'after') return `after ${String(schedule.sync)}`
  return 'manual'
}

export const runHref = (runId: string) => `#/runs/${encodeURIComponent(runId)}`
export const syncHref = (sync: string) => `#/syncs/${encodeURIComponent(sync)}`

/** A run's figures in a line: what was sent and what was not. */
export function countsLine(run: Run): string {
  const c = run.counts
  return `${n(c.queried)} queried · ${n(c.succeeded)} sent · ${n(c.rejected)} rejected · ${n(c.invalid)} invalid`
}

/** The health badge, with the last run's error under it when it failed. */
export function healthCell(sync: Sync): HTMLElement {
  const cell = h('td', {}, badge(sync.health))
  if (sync.health === 'failed' && sync.lastRun?.error) {
    cell.append(h('span', { class: 'error-text' }, sync.lastRun.error.message))
  }
  if (sync.running) cell.append(h('a', { class: 'sub', href: runHref(sync.running.runId) }, 'watch the run'))
  return cell
}

/** Starts a run and goes to its page; a refused start (running, disabled) is said where it happened. */
export async function startRun(
  sync: string,
  mode: 'incremental' | 'full_resync' | 'reset_cdc',
  onError: (message: string) => void,
): Promise<void> {
  try {
    const answer = await post<{ runId: string }>(
      `/api/syncs/${encodeURIComponent(sync)}/runs`,
      mode === 'incremental' ? {} : { mode },
    )
    announce(`Run ${answer.runId} of ${sync} started`)
    location.hash = runHref(answer.runId)
  } catch (error) {
    failed(error instanceof ApiError ? new Error(error.message) : error, onError)
  }
}

export const lastRunText = (run: Run | null) => (run ? relative(run.startedAt) : 'never')
