import { silentLogger } from '@sluice/core/contract'
import { Scheduler, type SchedulerEvent } from '@sluice/scheduler'
import { percentile } from '../harness/stats.js'
import { createNullDestination } from './null-destination.js'

export interface SchedulerDriftInput {
  syncs: number
  /** every sync's schedule: a six-field cron firing every `everySeconds` (a divisor of 60) */
  everySeconds: number
  /** fire rounds to measure */
  rounds: number
  /** the scheduler's global limit on runs in flight (its default is 4) */
  maxConcurrentRuns: number
}

export interface SchedulerDriftOutput {
  fires: number
  /** a fire's start (the `fired` event) minus its scheduled time, ms */
  driftP50Ms: number
  driftP99Ms: number
  driftMaxMs: number
  /** a run's start (the `started` event, after the global limit) minus its scheduled time, ms */
  startLagP99Ms: number
  /** the process's CPU time over wall time in each idle window between two rounds, as a share of a core */
  idleCpuShares: number[]
  /** how long each idle window was, ms */
  idleWindowMs: number[]
}

/** Idle windows end this long before the next round, so a timer that fires early is not counted. */
const WINDOW_MARGIN_MS = 200
const MIN_WINDOW_MS = 500

/**
 * `syncs` syncs on the same cron schedule, driven by the real scheduler on the real clock; each run
 * writes one record to the null destination. Runs in its own process (see `harness/isolated.ts`), so
 * the CPU time measured between rounds is the scheduler's alone: from the moment every run of a round
 * has finished until just before the next round is due.
 */
export async function schedulerDriftRun(input: SchedulerDriftInput): Promise<SchedulerDriftOutput> {
  if (60 % input.everySeconds !== 0) throw new Error(`every ${input.everySeconds} s does not divide a minute`)
  const period = input.everySeconds * 1000
  const destination = createNullDestination()
  const drifts: number[] = []
  const startLags: number[] = []
  const dueOf = new Map<string, number>()
  let finished = 0
  let lastDue = 0
  let onFinished: (() => void) | undefined
  const scheduler = new Scheduler({
    syncs: Array.from({ length: input.syncs }, (_, i) => ({
      name: `sync_${i}`,
      enabled: true,
      schedule: { type: 'cron', expression: `*/${input.everySeconds} * * * * *` },
    })),
    maxConcurrentRuns: input.maxConcurrentRuns,
    async execute(run, signal) {
      await destination.write(
        {
          object: 'records',
          operation: 'upsert',
          identifierField: 'id',
          records: [{ identifier: run.sync, fields: { id: run.sync } }],
        },
        { signal, log: silentLogger },
      )
      return { runId: run.runId, status: 'succeeded' }
    },
    onEvent(event: SchedulerEvent) {
      if (event.type === 'fired') {
        drifts.push(event.at - event.due)
        lastDue = Math.max(lastDue, event.due)
        dueOf.set(event.runId, event.due)
      } else if (event.type === 'started') {
        const due = dueOf.get(event.runId)
        if (due !== undefined) startLags.push(event.at - due)
      } else if (event.type === 'finished') {
        finished += 1
        onFinished?.()
      }
    },
  })
  const untilFinished = (count: number) =>
    new Promise<void>((resolve) => {
      onFinished = () => {
        if (finished >= count) resolve()
      }
      onFinished()
    })

  // The scheduler's timers do not keep a process alive (a host's server does); this one timer, never
  // due, stands in for the server, and costs nothing while it waits.
  const keepAlive = setTimeout(() => {}, 2 ** 31 - 1)
  await scheduler.start()
  const idleCpuShares: number[] = []
  const idleWindowMs: number[] = []
  try {
    for (let round = 1; round <= input.rounds; round++) {
      await untilFinished(round * input.syncs)
      if (round === input.rounds) break
      const start = performance.now()
      const cpu = process.cpuUsage()
      await sleepUntil(lastDue + period - WINDOW_MARGIN_MS)
      const used = process.cpuUsage(cpu)
      const wall = performance.now() - start
      // a round that ended just before the next one leaves no idle time to measure
      if (wall < MIN_WINDOW_MS) continue
      idleCpuShares.push((used.user + used.system) / 1000 / wall)
      idleWindowMs.push(wall)
    }
  } finally {
    await scheduler.stop({ graceMs: 5_000 })
    clearTimeout(keepAlive)
  }
  if (destination.stats.records !== drifts.length)
    throw new Error(`${drifts.length} fires but ${destination.stats.records} runs reached the destination`)
  return {
    fires: drifts.length,
    driftP50Ms: percentile(drifts, 50),
    driftP99Ms: percentile(drifts, 99),
    driftMaxMs: Math.max(...drifts),
    startLagP99Ms: percentile(startLags, 99),
    idleCpuShares,
    idleWindowMs,
  }
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))
}
