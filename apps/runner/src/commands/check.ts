import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'check',
  summary: 'test connections and credentials of sources and destinations',
  usage: '[destination|source] [options]',
  description:
    'Connects to every source and destination of the project (or the one named) and checks its credentials ' +
    'and reachability with a harmless call. One line each, with the reason on failure. Exit code 1 if any fails.',
  positionals: { min: 0, max: 1 },
  examples: ['sluice check', 'sluice check braze', 'sluice check warehouse --json'],
  run: (input) => import('../actions/check.js').then((action) => action.default(input)),
})
