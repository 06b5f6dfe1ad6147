import { newRunId, type RunMode, type RunStatus, redact, type Schedule, toSluiceError } from '@sluice/core'
import { type Clock, systemClock } from './clock.js'
import { isTimed, lastFireTimeBetween, nextFireTime, nextFireTimes } from './fire-times.js'

/** What started a run. */
export type Trigger = 'schedule' | 'catch_up' | 'after' | 'api' | 'webhook'

export interface RunRequest {
  sync: string
  trigger: Trigger
  mode?: RunMode
  dryRun?: boolean
  /** for `after`: the sync whose success started this one */
  upstream?: string
}

/** A request the scheduler accepted, with the id its run will have. */
export interface StartedRun extends RunRequest {
  runId: string
}

export interface RunOutcome {
  runId: string
  status: RunStatus
}

export interface ScheduledSync {
  name: string
  enabled: boolean
  schedule: Schedule
}

/** Statuses after which `after` syncs start: the run completed (rows it rejected are row-level). */
export const SEQUENCE_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'partially_succeeded'])

export type SkipReason =
  /** the sync's previous run is still going */
  | 'running'
  /** a run of the sync is already waiting for a free slot */
  | 'queued'
  /** another process holds the sync's run lock */
  | 'locked'
  /** the scheduler is shutting down */
  | 'stopping'
  /** the sync is disabled */
  | 'disabled'

export type SchedulerEvent =
  | { type: 'fired'; sync: string; trigger: Trigger; due: number; at: number; runId: string }
  | { type: 'skipped'; sync: string; trigger: Trigger; reason: SkipReason; at: number; due?: number }
  | { type: 'started'; sync: string; trigger: Trigger; runId: string; at: number }
  | { type: 'finished'; sync: string; trigger: Trigger; runId: string; status: RunStatus; at: number }
  | { type: 'error'; sync: string; trigger: Trigger; runId: string; message: string; at: number }

export interface SchedulerOptions {
  syncs: readonly ScheduledSync[]
  /** runs one sync; it must end the run `cancelled` (keeping what was committed) when `signal` aborts */
  execute(run: StartedRun, signal: AbortSignal): Promise<RunOutcome>
  /** when the sync last ran, from the ledger: a fire time missed since then gets one catch-up run */
  lastRunAt?(sync: string): Promise<number | undefined>
  /** runs in flight at once across every sync (default 4) */
  maxConcurrentRuns?: number
  clock?: Clock
  onEvent?(event: SchedulerEvent): void
}

interface SyncState {
  config: ScheduledSync
  nextFire?: number
  running?: { runId: string; trigger: Trigger; startedAt: number; controller: AbortController }
  queued?: StartedRun
}

export interface SyncSchedule {
  sync: string
  enabled: boolean
  schedule: Schedule
  /** the next time it fires on its own; absent for manual and `after` syncs */
  nextFireAt?: number
  running?: { runId: string; trigger: Trigger; startedAt: number }
  queued?: { runId: string; trigger: Trigger }
}

/**
 * Fires cron and interval syncs on time, starts `after` syncs when their upstream succeeds, and runs
 * what was asked for by hand, with one run per sync at a time and a global limit on runs in flight.
 *
 * A fire time that comes while the sync's previous run is still going is skipped (and reported), not
 * queued. One timer, set for the earliest due sync, keeps the process idle between fire times.
 */
export class Scheduler {
  private readonly clock: Clock
  private readonly limit: number
  private readonly syncs = new Map<string, SyncState>()
  private readonly queue: StartedRun[] = []
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly dependents = new Map<string, string[]>()
  private cancelTimer?: () => void
  private stopping = false
  private started = false

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock
    this.limit = Math.max(1, options.maxConcurrentRuns ?? 4)
    for (const config of options.syncs) {
      this.syncs.set(config.name, { config })
      if (config.schedule.type === 'after') {
        const list = this.dependents.get(config.schedule.sync) ?? []
        list.push(config.name)
        this.dependents.set(config.schedule.sync, list)
      }
    }
  }

  /** Arms the timers, after starting one catch-up run for each sync that missed fire times while down. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    const now = this.clock.now()
    for (const state of this.syncs.values()) {
      const { config } = state
      if (!config.enabled || !isTimed(config.schedule)) continue
      const last = await this.options.lastRunAt?.(config.name)
      const missed = last === undefined ? undefined : lastFireTimeBetween(config.schedule, last, now)
      if (missed !== undefined) this.fire(state, 'catch_up', missed)
      state.nextFire = nextFireTime(config.schedule, now)
    }
    this.arm()
  }

  /**
   * Starts a run by hand (the API, a webhook). Refused with a reason while the sync runs or waits,
   * is disabled, or while shutting down.
   */
  trigger(
    request: Omit<RunRequest, 'trigger'> & { trigger?: Trigger },
  ): { accepted: true; run: StartedRun } | { accepted: false; reason: SkipReason; runId?: string } {
    const state = this.syncs.get(request.sync)
    if (!state) throw new RangeError(`no sync "${request.sync}" is scheduled`)
    const trigger = request.trigger ?? 'api'
    const refusal = this.refusal(state)
    if (refusal) {
      this.emit({ type: 'skipped', sync: state.config.name, trigger, reason: refusal, at: this.clock.now() })
      return { accepted: false, reason: refusal, runId: state.running?.runId ?? state.queued?.runId }
    }
    const run = this.enqueue(state, { ...request, trigger })
    return { accepted: true, run }
  }

  /** Cancels a run in flight or waiting; false when no such run is here. */
  cancel(runId: string): boolean {
    for (const state of this.syncs.values()) {
      if (state.running?.runId === runId) {
        state.running.controller.abort()
        return true
      }
      if (state.queued?.runId === runId) {
        this.queue.splice(this.queue.indexOf(state.queued), 1)
        state.queued = undefined
        return true
      }
    }
    return false
  }

  /** Each sync's schedule, next fire time and what it is doing now. */
  schedules(): SyncSchedule[] {
    return [...this.syncs.values()].map((state) => this.describe(state))
  }

  schedule(sync: string): SyncSchedule | undefined {
    const state = this.syncs.get(sync)
    return state ? this.describe(state) : undefined
  }

  /** The next `count` fire times of a sync, from now. */
  nextFireTimes(sync: string, count: number): Date[] {
    const state = this.syncs.get(sync)
    if (!state?.config.enabled) return []
    return nextFireTimes(state.config.schedule, this.clock.now(), count)
  }

  /** How many runs are in flight. */
  get active(): number {
    return this.inFlight.size
  }

  /**
   * Shuts down: no new runs start, waiting ones are dropped, and runs in flight are cancelled (each
   * finishes its batch in flight, keeps what it committed and ends `cancelled`). Resolves when they
   * have ended, or after `graceMs`, whichever is first; `drained` says which.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ drained: boolean }> {
    this.stopping = true
    this.cancelTimer?.()
    this.cancelTimer = undefined
    for (const run of this.queue.splice(0)) {
      const state = this.syncs.get(run.sync)!
      state.queued = undefined
      this.emit({
        type: 'skipped',
        sync: run.sync,
        trigger: run.trigger,
        reason: 'stopping',
        at: this.clock.now(),
      })
    }
    for (const state of this.syncs.values()) state.running?.controller.abort()
    const all = Promise.all(this.inFlight.values()).then(() => true)
    const grace = options.graceMs ?? 30_000
    let cancelGrace: (() => void) | undefined
    const timeout = new Promise<boolean>((resolve) => {
      cancelGrace = this.clock.setTimer(this.clock.now() + grace, () => resolve(false))
    })
    const drained = await Promise.race([all, timeout])
    cancelGrace?.()
    return { drained }
  }

  private describe(state: SyncState): SyncSchedule {
    const { config } = state
    return {
      sync: config.name,
      enabled: config.enabled,
      schedule: config.schedule,
      ...(state.nextFire !== undefined && config.enabled ? { nextFireAt: state.nextFire } : {}),
      ...(state.running
        ? {
            running: {
              runId: state.running.runId,
              trigger: state.running.trigger,
              startedAt: state.running.startedAt,
            },
          }
        : {}),
      ...(state.queued ? { queued: { runId: state.queued.runId, trigger: state.queued.trigger } } : {}),
    }
  }

  private refusal(state: SyncState): SkipReason | undefined {
    if (this.stopping) return 'stopping'
    if (!state.config.enabled) return 'disabled'
    if (state.running) return 'running'
    if (state.queued) return 'queued'
    return undefined
  }

  private arm(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
    if (this.stopping) return
    let earliest: number | undefined
    for (const state of this.syncs.values()) {
      if (state.nextFire !== undefined && (earliest === undefined || state.nextFire < earliest)) {
        earliest = state.nextFire
      }
    }
    if (earliest !== undefined) this.cancelTimer = this.clock.setTimer(earliest, () => this.onTimer())
  }

  private onTimer(): void {
    this.cancelTimer = undefined
    const now = this.clock.now()
    const due: SyncState[] = []
    for (const state of this.syncs.values()) {
      if (state.nextFire !== undefined && state.nextFire <= now) due.push(state)
    }
    // Every due sync fires before any next fire time is worked out: a cron's next time costs far more
    // than a fire, and a thousand syncs due together must not wait for each other's.
    for (const state of due) this.fire(state, 'schedule', state.nextFire!)
    for (const state of due) {
      // fire times that went by while the process was blocked collapse into this one
      state.nextFire = nextFireTime(state.config.schedule, Math.max(now, state.nextFire!))
    }
    this.arm()
  }

  private fire(state: SyncState, trigger: Trigger, due: number): void {
    const at = this.clock.now()
    const refusal = this.refusal(state)
    if (refusal) {
      this.emit({ type: 'skipped', sync: state.config.name, trigger, reason: refusal, at, due })
      return
    }
    const run = this.enqueue(state, { sync: state.config.name, trigger })
    this.emit({ type: 'fired', sync: state.config.name, trigger, due, at, runId: run.runId })
  }

  private enqueue(state: SyncState, request: RunRequest): StartedRun {
    const run: StartedRun = { ...request, runId: newRunId(new Date(this.clock.now())) }
    state.queued = run
    this.queue.push(run)
    this.pump()
    return run
  }

  private pump(): void {
    while (!this.stopping && this.inFlight.size < this.limit && this.queue.length > 0) {
      const run = this.queue.shift()!
      const state = this.syncs.get(run.sync)!
      state.queued = undefined
      this.startRun(state, run)
    }
  }

  private startRun(state: SyncState, run: StartedRun): void {
    const controller = new AbortController()
    const startedAt = this.clock.now()
    state.running = { runId: run.runId, trigger: run.trigger, startedAt, controller }
    this.emit({ type: 'started', sync: run.sync, trigger: run.trigger, runId: run.runId, at: startedAt })
    const done = this.options
      .execute(run, controller.signal)
      .then(
        (outcome) => {
          this.emit({
            type: 'finished',
            sync: run.sync,
            trigger: run.trigger,
            runId: outcome.runId,
            status: outcome.status,
            at: this.clock.now(),
          })
          if (SEQUENCE_STATUSES.has(outcome.status) && !run.dryRun) this.startDependents(run.sync)
        },
        (error: unknown) => {
          const e = toSluiceError(error)
          if (e.category === 'conflict') {
            this.emit({
              type: 'skipped',
              sync: run.sync,
              trigger: run.trigger,
              reason: 'locked',
              at: this.clock.now(),
            })
          } else {
            this.emit({
              type: 'error',
              sync: run.sync,
              trigger: run.trigger,
              runId: run.runId,
              message: redact(e.message),
              at: this.clock.now(),
            })
          }
        },
      )
      .finally(() => {
        state.running = undefined
        this.inFlight.delete(run.runId)
        this.pump()
      })
    this.inFlight.set(run.runId, done)
  }

  private startDependents(upstream: string): void {
    for (const name of this.dependents.get(upstream) ?? []) {
      const state = this.syncs.get(name)!
      const refusal = this.refusal(state)
      if (refusal) {
        this.emit({ type: 'skipped', sync: name, trigger: 'after', reason: refusal, at: this.clock.now() })
        continue
      }
      const run = this.enqueue(state, { sync: name, trigger: 'after', upstream })
      const now = this.clock.now()
      this.emit({ type: 'fired', sync: name, trigger: 'after', due: now, at: now, runId: run.runId })
    }
  }

  private emit(event: SchedulerEvent): void {
    try {
      this.options.onEvent?.(event)
    } catch {
      // a listener's failure must not stop the scheduler
    }
  }
}
