import type { RunStatus, Schedule } from '@sluice/core'
import { SluiceError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import {
  ManualClock,
  type RunOutcome,
  Scheduler,
  type SchedulerEvent,
  type StartedRun,
} from '../src/index.js'

const T0 = Date.parse('2026-03-01T10:00:30Z')

interface Harness {
  clock: ManualClock
  scheduler: Scheduler
  events: SchedulerEvent[]
  started: StartedRun[]
  /** finishes the sync's run in flight with a status */
  finish(sync: string, status?: RunStatus): void
  signals: Map<string, AbortSignal>
}

function harness(
  syncs: Array<{ name: string; schedule: Schedule; enabled?: boolean }>,
  options: { limit?: number; lastRunAt?: Record<string, number>; start?: number } = {},
): Harness {
  const clock = new ManualClock(options.start ?? T0)
  const events: SchedulerEvent[] = []
  const started: StartedRun[] = []
  const pending = new Map<string, (outcome: RunOutcome) => void>()
  const signals = new Map<string, AbortSignal>()
  const scheduler = new Scheduler({
    syncs: syncs.map((s) => ({ enabled: true, ...s })),
    clock,
    maxConcurrentRuns: options.limit ?? 4,
    lastRunAt: async (sync) => options.lastRunAt?.[sync],
    onEvent: (event) => events.push(event),
    execute: (run, signal) =>
      new Promise<RunOutcome>((resolve) => {
        started.push(run)
        signals.set(run.sync, signal)
        pending.set(run.sync, resolve)
        signal.addEventListener('abort', () => resolve({ runId: run.runId, status: 'cancelled' }))
      }),
  })
  return {
    clock,
    scheduler,
    events,
    started,
    signals,
    finish(sync, status = 'succeeded') {
      const resolve = pending.get(sync)
      if (!resolve) throw new Error(`${sync} is not running`)
      pending.delete(sync)
      resolve({ runId: started.filter((r) => r.sync === sync).at(-1)!.runId, status })
    },
  }
}

const minute = 60_000
const startsOf = (h: Harness, sync: string) => h.started.filter((run) => run.sync === sync)

describe('Scheduler', () => {
  it('fires an interval sync on the interval, aligned to the clock', async () => {
    const h = harness([{ name: 'a', schedule: { type: 'interval', every: '1m' } }])
    await h.scheduler.start()
    expect(h.started).toHaveLength(0)
    await h.clock.advanceTo(Date.parse('2026-03-01T10:01:00Z'))
    expect(startsOf(h, 'a')).toHaveLength(1)
    const fired = h.events.find((e) => e.type === 'fired')
    expect(fired).toMatchObject({ sync: 'a', trigger: 'schedule', due: Date.parse('2026-03-01T10:01:00Z') })
    h.finish('a')
    await h.clock.advanceTo(Date.parse('2026-03-01T10:03:00Z'))
    expect(startsOf(h, 'a')).toHaveLength(2)
  })

  it('skips and reports a fire time that comes while the sync still runs', async () => {
    const h = harness([{ name: 'slow', schedule: { type: 'interval', every: '1m' } }])
    await h.scheduler.start()
    await h.clock.advance(minute)
    await h.clock.advance(minute)
    await h.clock.advance(minute)
    expect(startsOf(h, 'slow')).toHaveLength(1)
    const skipped = h.events.filter((e) => e.type === 'skipped')
    expect(skipped).toHaveLength(2)
    expect(skipped[0]).toMatchObject({ sync: 'slow', reason: 'running', trigger: 'schedule' })
    h.finish('slow')
    await h.clock.advance(minute)
    expect(startsOf(h, 'slow')).toHaveLength(2)
  })

  it('holds runs past the global limit until a slot frees, one waiting run per sync', async () => {
    const h = harness(
      ['a', 'b', 'c'].map((name) => ({ name, schedule: { type: 'interval', every: '1m' } as Schedule })),
      { limit: 2 },
    )
    await h.scheduler.start()
    await h.clock.advance(minute)
    expect(h.started.map((r) => r.sync)).toEqual(['a', 'b'])
    expect(h.scheduler.schedule('c')?.queued).toBeDefined()
    await h.clock.advance(minute)
    // c is still waiting: its second fire time is not queued behind the first
    expect(h.events.filter((e) => e.type === 'skipped' && e.sync === 'c')).toMatchObject([
      { reason: 'queued' },
    ])
    h.finish('a')
    await h.clock.advance(1)
    expect(h.started.map((r) => r.sync)).toEqual(['a', 'b', 'c'])
  })

  it('starts one catch-up run for fire times missed while down, not one per tick', async () => {
    const h = harness(
      [
        { name: 'a', schedule: { type: 'interval', every: '1m' } },
        { name: 'fresh', schedule: { type: 'interval', every: '1m' } },
      ],
      {
        lastRunAt: { a: T0 - 90 * minute },
      },
    )
    await h.scheduler.start()
    await h.clock.advance(1)
    expect(startsOf(h, 'a').map((r) => r.trigger)).toEqual(['catch_up'])
    // a sync that never ran missed nothing
    expect(startsOf(h, 'fresh')).toHaveLength(0)
  })

  it('does not catch up when nothing was missed', async () => {
    const h = harness([{ name: 'a', schedule: { type: 'cron', expression: '0 * * * *', timezone: 'UTC' } }], {
      lastRunAt: { a: Date.parse('2026-03-01T10:00:00Z') },
    })
    await h.scheduler.start()
    await h.clock.advance(1)
    expect(h.started).toHaveLength(0)
    expect(h.scheduler.schedule('a')?.nextFireAt).toBe(Date.parse('2026-03-01T11:00:00Z'))
  })

  it('never schedules a disabled sync, and refuses to trigger it', async () => {
    const h = harness([{ name: 'off', enabled: false, schedule: { type: 'interval', every: '1m' } }], {
      lastRunAt: { off: T0 - 90 * minute },
    })
    await h.scheduler.start()
    await h.clock.advance(10 * minute)
    expect(h.started).toHaveLength(0)
    expect(h.scheduler.trigger({ sync: 'off' })).toMatchObject({ accepted: false, reason: 'disabled' })
    expect(h.scheduler.nextFireTimes('off', 3)).toEqual([])
  })

  it('runs `after` syncs when their upstream succeeds: chains and fan-out', async () => {
    const h = harness([
      { name: 'a', schedule: { type: 'interval', every: '1h' } },
      { name: 'b', schedule: { type: 'after', sync: 'a' } },
      { name: 'c', schedule: { type: 'after', sync: 'a' } },
      { name: 'd', schedule: { type: 'after', sync: 'b' } },
    ])
    await h.scheduler.start()
    await h.clock.advanceTo(Date.parse('2026-03-01T11:00:00Z'))
    expect(h.started.map((r) => r.sync)).toEqual(['a'])
    h.finish('a')
    await h.clock.advance(1)
    expect(h.started.map((r) => r.sync)).toEqual(['a', 'b', 'c'])
    expect(startsOf(h, 'b')[0]).toMatchObject({ trigger: 'after', upstream: 'a' })
    h.finish('b', 'partially_succeeded')
    h.finish('c', 'failed')
    await h.clock.advance(1)
    expect(h.started.map((r) => r.sync)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('does not run `after` syncs when the upstream fails, or on a dry run', async () => {
    const h = harness([
      { name: 'a', schedule: { type: 'manual' } },
      { name: 'b', schedule: { type: 'after', sync: 'a' } },
    ])
    await h.scheduler.start()
    h.scheduler.trigger({ sync: 'a' })
    await h.clock.advance(1)
    h.finish('a', 'failed')
    await h.clock.advance(1)
    h.scheduler.trigger({ sync: 'a', dryRun: true })
    await h.clock.advance(1)
    h.finish('a', 'succeeded')
    await h.clock.advance(1)
    expect(startsOf(h, 'b')).toHaveLength(0)
  })

  it('refuses a trigger while the sync runs, and cancels a run by id', async () => {
    const h = harness([{ name: 'a', schedule: { type: 'manual' } }])
    await h.scheduler.start()
    const first = h.scheduler.trigger({ sync: 'a', mode: 'full_resync' })
    expect(first.accepted).toBe(true)
    await h.clock.advance(1)
    const second = h.scheduler.trigger({ sync: 'a' })
    expect(second).toMatchObject({ accepted: false, reason: 'running' })
    if (!first.accepted) throw new Error('unreachable')
    expect(h.started[0]).toMatchObject({ mode: 'full_resync', trigger: 'api', runId: first.run.runId })
    expect(h.scheduler.cancel(first.run.runId)).toBe(true)
    await h.clock.advance(1)
    expect(h.events.at(-1)).toMatchObject({ type: 'finished', status: 'cancelled' })
    expect(h.scheduler.cancel('nope')).toBe(false)
  })

  it('reports a run refused by another process holding the lock as skipped', async () => {
    const clock = new ManualClock(T0)
    const events: SchedulerEvent[] = []
    const scheduler = new Scheduler({
      syncs: [{ name: 'a', enabled: true, schedule: { type: 'manual' } }],
      clock,
      onEvent: (e) => events.push(e),
      execute: async () => {
        throw new SluiceError('conflict', 'run x holds the lock')
      },
    })
    await scheduler.start()
    scheduler.trigger({ sync: 'a' })
    await clock.advance(1)
    expect(events.at(-1)).toMatchObject({ type: 'skipped', reason: 'locked' })
  })

  it('shuts down: no new runs, runs in flight cancelled, waiting ones dropped', async () => {
    const h = harness(
      ['a', 'b'].map((name) => ({ name, schedule: { type: 'interval', every: '1m' } as Schedule })),
      { limit: 1 },
    )
    await h.scheduler.start()
    await h.clock.advance(minute)
    expect(h.started.map((r) => r.sync)).toEqual(['a'])
    const stopped = await h.scheduler.stop({ graceMs: 5_000 })
    expect(stopped.drained).toBe(true)
    expect(h.signals.get('a')?.aborted).toBe(true)
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'skipped', sync: 'b', reason: 'stopping' }),
    )
    await h.clock.advance(10 * minute)
    expect(h.started).toHaveLength(1)
    expect(h.scheduler.trigger({ sync: 'a' })).toMatchObject({ accepted: false, reason: 'stopping' })
  })

  it('gives up waiting for a run that ignores cancellation after the grace period', async () => {
    const clock = new ManualClock(T0)
    const scheduler = new Scheduler({
      syncs: [{ name: 'stuck', enabled: true, schedule: { type: 'manual' } }],
      clock,
      execute: () => new Promise<RunOutcome>(() => {}),
    })
    await scheduler.start()
    scheduler.trigger({ sync: 'stuck' })
    await clock.advance(1)
    const stopping = scheduler.stop({ graceMs: 10_000 })
    await clock.advance(10_000)
    expect(await stopping).toEqual({ drained: false })
  })

  it('keeps 1,000 one-minute syncs on one timer', async () => {
    const syncs = Array.from({ length: 1000 }, (_, i) => ({
      name: `s${i}`,
      schedule: { type: 'interval', every: '1m' } as Schedule,
    }))
    const h = harness(syncs, { limit: 2000 })
    await h.scheduler.start()
    expect(h.clock.pending).toBe(1)
    await h.clock.advance(minute)
    expect(h.started).toHaveLength(1000)
    expect(h.clock.pending).toBe(1)
  })

  it('fires 1,000 syncs on one six-field cron together each round, every fire at its due time', async () => {
    const syncs = Array.from({ length: 1000 }, (_, i) => ({
      name: `s${i}`,
      schedule: { type: 'cron', expression: '*/15 * * * * *' } as Schedule,
    }))
    const h = harness(syncs, { limit: 2000 })
    await h.scheduler.start()
    const round = (due: string) => h.events.filter((e) => e.type === 'fired' && e.due === Date.parse(due))
    await h.clock.advanceTo(Date.parse('2026-03-01T10:00:45Z'))
    for (const s of syncs) h.finish(s.name)
    await h.clock.advanceTo(Date.parse('2026-03-01T10:01:00Z'))
    for (const due of ['2026-03-01T10:00:45Z', '2026-03-01T10:01:00Z']) {
      const fired = round(due)
      expect(new Set(fired.map((e) => e.sync)).size).toBe(1000)
      expect(fired.every((e) => e.type === 'fired' && e.at === e.due)).toBe(true)
    }
    expect(h.events.filter((e) => e.type === 'fired')).toHaveLength(2000)
    expect(h.scheduler.schedules().every((s) => s.nextFireAt === Date.parse('2026-03-01T10:01:15Z'))).toBe(
      true,
    )
    expect(h.clock.pending).toBe(1)
  })
})
