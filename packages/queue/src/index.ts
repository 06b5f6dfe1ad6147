export { type Election, electLeader, type LeaderOptions } from './leader.js'
export {
  type ClaimedJob,
  type JobHandler,
  type JobOutcome,
  openRunQueue,
  type QueueWorker,
  RUN_QUEUE,
  type RunJob,
  type RunQueue,
  type RunQueueOptions,
  type WorkerOptions,
} from './run-queue.js'
