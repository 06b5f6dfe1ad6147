/**
 * Tasks that run in their own process (see `harness/isolated.ts`), by name. Each measures its own time
 * so the child's start-up is not counted. Inputs and outputs cross the process boundary as
 * structured-clone values.
 */
import { type DiffRunInput, diffRun } from './workloads/diff-run.js'
import { type EngineRunInput, engineRun } from './workloads/engine-run.js'
import { type RawHttpRunInput, rawHttpRun } from './workloads/raw-http.js'

export type Task = (input: unknown) => Promise<unknown>

/** Types a task's input: the parent sends exactly what the figure built for it. */
function task<I, O>(run: (input: I) => Promise<O>): Task {
  return (input) => run(input as I)
}

export const tasks: Record<string, Task> = {
  diffRun: task((input: DiffRunInput) => diffRun(input)),
  engineRun: task((input: EngineRunInput) => engineRun(input)),
  rawHttp: task((input: RawHttpRunInput) => rawHttpRun(input)),
}
