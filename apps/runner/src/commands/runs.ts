import { RUN_STATUSES } from '../framework/choices.js'
import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'runs',
  summary: 'run history, newest first',
  usage: '[sync] [options]',
  description: 'The runs of every sync (or of one), newest first, with their status, duration and counts.',
  options: {
    status: {
      type: 'string',
      multiple: true,
      value: '<status>',
      description: 'only runs with this status (repeatable)',
      choices: RUN_STATUSES,
    },
    since: {
      type: 'string',
      value: '<when>',
      description: 'only runs started after: 30m, 6h, 2d, 1w or a date',
    },
    limit: { type: 'string', value: '<n>', description: 'at most this many runs (default 20)' },
  },
  positionals: { min: 0, max: 1 },
  examples: [
    'sluice runs',
    'sluice runs customers_to_braze --status failed --status partially_succeeded',
    'sluice runs --since 2d --json',
  ],
  run: (input) => import('../actions/runs.js').then((action) => action.default(input)),
})
