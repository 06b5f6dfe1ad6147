import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'runs show',
  summary: 'one run: details, counts and the top rejection reasons',
  usage: '<run | latest> [options]',
  description:
    'A run in detail: its status, mode, start, end and duration, rows queried, invalid by reason, ' +
    'added / changed / removed, succeeded and rejected per operation, the run-level error, and the most ' +
    'frequent reasons rows were rejected or invalid, from the tracking lake. "latest" is the most recent run.',
  positionals: { min: 1, max: 1 },
  examples: [
    'sluice runs show latest',
    'sluice runs show 20261204T091530512Z-3f9a1c',
    'sluice runs show 20261204T091530512Z-3f9a1c --json',
  ],
  run: (input) => import('../actions/runs-show.js').then((action) => action.default(input)),
})
