import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'worker',
  summary: 'run the syncs queued by `sluice serve`, beside other workers on any machine',
  usage: '[options]',
  description:
    'A long-running process that takes runs from the queue in the PostgreSQL of settings.state and runs ' +
    'them, as many workers on as many machines as you like: one run per sync at a time across all of ' +
    'them. A worker holds a lease on each run and renews it; when a worker dies, its run is taken over ' +
    'by another after settings.workers.leaseSeconds and resumes from the last commit. With ' +
    'settings.rateLimits.redis, every worker writing with the same destination credentials shares one ' +
    'quota. SIGTERM or Ctrl-C stops it: no new runs, runs in flight finish their batch and end cancelled.',
  options: {
    concurrency: {
      type: 'string',
      value: '<n>',
      description: 'runs this worker keeps in flight at once (default settings.workers.concurrency, 1)',
    },
    grace: {
      type: 'string',
      value: '<seconds>',
      description: 'how long shutdown waits for runs in flight to end (default 30)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: ['sluice worker', 'sluice worker --concurrency 4', 'sluice serve --workers 3'],
  run: (input) => import('../actions/worker.js').then((action) => action.default(input)),
})
