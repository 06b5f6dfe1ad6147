import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { NotMeasured } from './figure.js'

/** What a task run in its own process hands back, with that process's memory peaks. */
export interface IsolatedResult<T> {
  output: T
  /** the child's RSS high-water mark over its whole life (VmHWM), in MB */
  peakRssMb: number
  /** the most JS heap the task used, sampled, in MB */
  peakHeapMb: number
}

export type WorkerReply =
  | { ok: true; output: unknown; peakRssMb: number; peakHeapMb: number }
  | { ok: false; message: string; notMeasured: boolean; stack?: string }

const workerPath = fileURLToPath(new URL('../worker.ts', import.meta.url))

/**
 * Runs one task (see `tasks.ts`) in a fresh Node process and returns its output and memory peaks.
 * A process per run is how each heavy figure gets its own peak RSS: a process's high-water mark never
 * comes down, so measuring the 10M run after the 1M run in one process would say nothing.
 * The child inherits this process's flags (tsx's loader and the source condition).
 */
export function runIsolated<T>(task: string, input: unknown): Promise<IsolatedResult<T>> {
  return new Promise((resolve, reject) => {
    const child = fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let reply: WorkerReply | undefined
    child.once('message', (message) => {
      reply = message as WorkerReply
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (!reply) {
        reject(new Error(`task ${task} exited (${signal ?? `code ${code}`}) without a result`))
      } else if (reply.ok) {
        resolve({ output: reply.output as T, peakRssMb: reply.peakRssMb, peakHeapMb: reply.peakHeapMb })
      } else if (reply.notMeasured) {
        reject(new NotMeasured(reply.message))
      } else {
        const error = new Error(`task ${task} failed: ${reply.message}`)
        if (reply.stack) error.stack = reply.stack
        reject(error)
      }
    })
    child.send({ task, input })
  })
}
