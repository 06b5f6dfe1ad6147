import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'status',
  summary: 'the sync overview: each sync with its latest run',
  usage: '[options]',
  description:
    'Every sync of the project with its health (healthy, pending = never ran, disabled, in progress, partially ' +
    'succeeded, failed), its model and destination, and when it last ran.',
  positionals: { min: 0, max: 0 },
  examples: ['sluice status', 'sluice status --json'],
  run: (input) => import('../actions/status.js').then((action) => action.default(input)),
})
