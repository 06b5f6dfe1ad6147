/**
 * The child process behind `runIsolated`: receives one task, runs it while sampling memory, replies
 * with its output and peaks, and exits.
 */
import { NotMeasured } from './harness/figure.js'
import type { WorkerReply } from './harness/isolated.js'
import { PeakSampler, peakRssMb } from './harness/memory.js'
import { tasks } from './tasks.js'

process.once('message', async (message: { task: string; input: unknown }) => {
  let reply: WorkerReply
  try {
    const task = tasks[message.task]
    if (!task) throw new Error(`unknown task "${message.task}"`)
    const sampler = task.sampleMemory ? new PeakSampler().start() : undefined
    const output = await task.run(message.input)
    reply = { ok: true, output, ...(sampler?.stop() ?? { peakRssMb: peakRssMb(), peakHeapMb: 0 }) }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    reply = { ok: false, message: e.message, notMeasured: e instanceof NotMeasured, stack: e.stack }
  }
  process.send!(reply, () => process.exit(0))
})
