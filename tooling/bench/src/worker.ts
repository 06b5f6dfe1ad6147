/**
 * The child process behind `runIsolated`: receives one task, runs it while sampling memory, replies
 * with its output and peaks, and exits.
 */
import { NotMeasured } from './harness/figure.js'
import type { WorkerReply } from './harness/isolated.js'
import { PeakSampler } from './harness/memory.js'
import { tasks } from './tasks.js'

process.once('message', async (message: { task: string; input: unknown }) => {
  let reply: WorkerReply
  try {
    const run = tasks[message.task]
    if (!run) throw new Error(`unknown task "${message.task}"`)
    const sampler = new PeakSampler().start()
    const output = await run(message.input)
    reply = { ok: true, output, ...sampler.stop() }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    reply = { ok: false, message: e.message, notMeasured: e instanceof NotMeasured, stack: e.stack }
  }
  process.send!(reply, () => process.exit(0))
})
