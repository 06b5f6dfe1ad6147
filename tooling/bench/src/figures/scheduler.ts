import { type Figure, NotMeasured } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import type { SchedulerDriftInput, SchedulerDriftOutput } from '../workloads/scheduler-drift.js'
import { below } from './targets.js'

const SYNCS = 1000

/**
 * The fire rounds measured: every sync on the same six-field cron schedule, so all 1,000 are due at
 * the same instant each round, as 1,000 one-minute schedules are at the top of every minute. A period
 * of seconds rather than a minute keeps the figure short: what one round costs does not depend on
 * how long the scheduler then sleeps.
 */
export function driftRounds(scale: number): SchedulerDriftInput {
  return scale >= 1
    ? { syncs: SYNCS, everySeconds: 15, rounds: 5, maxConcurrentRuns: 4 }
    : { syncs: SYNCS, everySeconds: 5, rounds: 3, maxConcurrentRuns: 4 }
}

/**
 * Figure 7: 1,000 syncs fired by the real scheduler on the real clock, each run writing one record to
 * the null destination, in a process of their own. Drift is each fire's start minus its scheduled
 * time; idle CPU is the process's CPU time between rounds, once every run of a round has finished.
 */
export const schedulerFigure: Figure = {
  id: 'scheduler',
  title: 'scheduler drift and idle CPU',
  specs(scale) {
    const { syncs, everySeconds } = driftRounds(scale)
    const what = `${syncs.toLocaleString('en-US')} syncs due together every ${everySeconds} s`
    return [
      {
        key: 'scheduler_drift_p99_ms',
        label: `${what}: fire-time drift p99`,
        unit: 'ms',
        target: below(1000, 'ms', true),
      },
      { key: 'scheduler_drift_p50_ms', label: `${what}: fire-time drift p50`, unit: 'ms' },
      { key: 'scheduler_start_lag_p99_ms', label: `${what}: run start after due, p99`, unit: 'ms' },
      {
        key: 'scheduler_idle_cpu_percent',
        label: `${what}: CPU while idle between fires`,
        unit: '%',
        target: below(2, '% of a core', true),
      },
    ]
  },
  async run(ctx) {
    const input = driftRounds(ctx.scale)
    const { output } = await runIsolated<SchedulerDriftOutput>('schedulerDrift', input)
    const expected = input.syncs * input.rounds
    if (output.fires !== expected) throw new Error(`${output.fires} fires, expected ${expected}`)
    if (output.idleCpuShares.length === 0) throw new NotMeasured('no round left idle time before the next')
    const worst = Math.max(...output.idleCpuShares)
    const windows = output.idleWindowMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')
    ctx.log(
      `  ${output.fires} fires: drift p50 ${output.driftP50Ms} ms, p99 ${output.driftP99Ms} ms, ` +
        `max ${output.driftMaxMs} ms; runs started p99 ${output.startLagP99Ms} ms after due; idle CPU ` +
        `${output.idleCpuShares.map((s) => (s * 100).toFixed(2)).join(', ')}% over windows of ${windows} s`,
    )
    return {
      scheduler_drift_p99_ms: {
        value: output.driftP99Ms,
        note: `${output.fires} fires over ${input.rounds} rounds, max ${output.driftMaxMs} ms`,
      },
      scheduler_drift_p50_ms: output.driftP50Ms,
      scheduler_start_lag_p99_ms: {
        value: output.startLagP99Ms,
        note: `runs end at once; ${input.maxConcurrentRuns} in flight at a time (the global limit)`,
      },
      scheduler_idle_cpu_percent: {
        value: worst * 100,
        note: `the busiest of ${output.idleCpuShares.length} idle windows (${windows} s)`,
      },
    }
  },
}
