/**
 * 1,000 syncs on one-minute schedules against a null destination, on the real clock:
 * `pnpm --filter @sluice/scheduler measure:drift [syncs] [minutes]`.
 *
 * Drift is how late each fire happened after its due time (the `fired` event's `at - due`). The CPU
 * figure is this process's user + system time while idle between fire times (from 5 s after a round of
 * fires until 5 s before the next), as a share of one core. Runs end at once (a null destination), so
 * what is measured is the scheduler itself: its timer, its queue and the global limit.
 */
import { Scheduler, type SchedulerEvent } from '../src/index.js'

const SYNCS = Number(process.argv[2] ?? 1000)
const MINUTES = Number(process.argv[3] ?? 3)

const drifts: number[] = []
const scheduler = new Scheduler({
  syncs: Array.from({ length: SYNCS }, (_, i) => ({
    name: `sync_${i}`,
    enabled: true,
    schedule: { type: 'interval', every: '1m' },
  })),
  maxConcurrentRuns: 4,
  execute: async (run) => ({ runId: run.runId, status: 'succeeded' }),
  onEvent: (event: SchedulerEvent) => {
    if (event.type === 'fired') drifts.push(event.at - event.due)
  },
})

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

await scheduler.start()
const idle: number[] = []
const firstRound = Math.ceil(Date.now() / 60_000) * 60_000
for (let round = 0; round < MINUTES; round++) {
  const due = firstRound + round * 60_000
  await sleepUntil(due + 5_000)
  const cpu = process.cpuUsage()
  const started = performance.now()
  await sleepUntil(due + 55_000)
  const used = process.cpuUsage(cpu)
  const share = (used.user + used.system) / 1000 / (performance.now() - started)
  idle.push(share)
  console.log(
    `round ${round + 1}: ${drifts.length} fires so far; idle CPU ${(share * 100).toFixed(3)}% of a core`,
  )
}
await scheduler.stop({ graceMs: 1_000 })
console.log(
  `\n${SYNCS} syncs every minute, ${MINUTES} rounds, ${drifts.length} fires:\n` +
    `  fire-time drift p50 ${percentile(drifts, 50)} ms, p99 ${percentile(drifts, 99)} ms, max ${Math.max(...drifts)} ms (target p99 < 1,000 ms)\n` +
    `  idle CPU between fires: max ${(Math.max(...idle) * 100).toFixed(3)}% of a core (target < 2%)`,
)
