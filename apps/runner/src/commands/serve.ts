import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'serve',
  summary: 'run syncs on their schedules, send alerts, and serve the REST API',
  usage: '[options]',
  description:
    'One long-running process: the scheduler (cron, interval and after-sequences, one run per sync at a ' +
    'time, at most settings.maxConcurrentRuns at once), the alerts, and an HTTP API on 127.0.0.1. With ' +
    'SLUICE_API_TOKEN set, every endpoint but /healthz needs "Authorization: Bearer <token>", and the ' +
    'server may bind other addresses; without it, only loopback. SIGTERM or Ctrl-C stops it: no new runs, ' +
    'runs in flight finish their batch and end cancelled, keeping what they committed.',
  options: {
    host: { type: 'string', value: '<address>', description: 'the address to bind (default 127.0.0.1)' },
    port: { type: 'string', value: '<n>', description: 'the port (default 8080; 0 picks a free one)' },
    grace: {
      type: 'string',
      value: '<seconds>',
      description: 'how long shutdown waits for runs in flight to end (default 30)',
    },
    workers: {
      type: 'string',
      value: '<n>',
      description:
        'run syncs through the queue in PostgreSQL and start n `sluice worker` processes beside serve (0: only enqueue)',
    },
    'public-url': {
      type: 'string',
      value: '<url>',
      description: 'the URL people reach the API at, for links in alerts (default http://<host>:<port>)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'sluice serve',
    'SLUICE_API_TOKEN=… sluice serve --host 0.0.0.0 --port 8080 --public-url https://sluice.example.com',
    'curl -X POST -H "Authorization: Bearer $SLUICE_WEBHOOK_TOKEN" localhost:8080/hooks/syncs/contacts/run',
  ],
  run: (input) => import('../actions/serve.js').then((action) => action.default(input)),
})
