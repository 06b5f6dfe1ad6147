import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'schedule',
  summary: "each sync's schedule and its next fire times",
  usage: '[sync] [options]',
  description:
    'When each sync runs under `sluice serve`: its schedule (manual, interval, cron in its time zone, or ' +
    'after another sync) and the next times it fires. Disabled syncs never fire.',
  options: {
    count: { type: 'string', value: '<n>', description: 'how many fire times to show (default 3)' },
  },
  positionals: { min: 0, max: 1 },
  examples: ['sluice schedule', 'sluice schedule contacts --count 10', 'sluice schedule --json'],
  run: (input) => import('../actions/schedule.js').then((action) => action.default(input)),
})
