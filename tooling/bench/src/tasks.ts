/**
 * Tasks that run in their own process (see `harness/isolated.ts`), by name. Each measures its own time
 * so the child's start-up is not counted. Inputs and outputs cross the process boundary as
 * structured-clone values.
 */
import {
  type AntiJoinInput,
  type AntiJoinPrepareInput,
  antiJoinPrepare,
  antiJoinRun,
} from './workloads/anti-join.js'
import { type BareScanInput, bareScanRun } from './workloads/bare-scan.js'
import { type DiffRunInput, diffRun } from './workloads/diff-run.js'
import { type EngineRunInput, engineRun } from './workloads/engine-run.js'
import { type ParquetWriteInput, parquetWrite } from './workloads/parquet-write.js'
import { type RawHttpRunInput, rawHttpRun } from './workloads/raw-http.js'
import { type RecordsApiInput, recordsApiRun } from './workloads/records-api.js'
import { type SchedulerDriftInput, schedulerDriftRun } from './workloads/scheduler-drift.js'
import { type ServeOverviewInput, serveOverviewRun } from './workloads/serve-overview.js'

export interface Task {
  run(input: unknown): Promise<unknown>
  /**
   * Whether the worker samples the task's memory on an interval (the default). A task that measures
   * its own process's CPU time turns it off, so the sampler's work is not counted as its own.
   */
  sampleMemory: boolean
}

/** Types a task's input: the parent sends exactly what the figure built for it. */
function task<I, O>(run: (input: I) => Promise<O>, options: { sampleMemory?: boolean } = {}): Task {
  return { run: (input) => run(input as I), sampleMemory: options.sampleMemory ?? true }
}

export const tasks: Record<string, Task> = {
  antiJoin: task((input: AntiJoinInput) => antiJoinRun(input)),
  antiJoinPrepare: task((input: AntiJoinPrepareInput) => antiJoinPrepare(input)),
  bareScan: task((input: BareScanInput) => bareScanRun(input)),
  diffRun: task((input: DiffRunInput) => diffRun(input)),
  engineRun: task((input: EngineRunInput) => engineRun(input)),
  parquetWrite: task((input: ParquetWriteInput) => parquetWrite(input)),
  rawHttp: task((input: RawHttpRunInput) => rawHttpRun(input)),
  recordsApi: task((input: RecordsApiInput) => recordsApiRun(input)),
  serveOverview: task((input: ServeOverviewInput) => serveOverviewRun(input)),
  schedulerDrift: task((input: SchedulerDriftInput) => schedulerDriftRun(input), { sampleMemory: false }),
}
