import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'reset',
  summary: "reset a sync's state: a full resync next time, or --cdc to start from now",
  usage: '<sync> [options]',
  description:
    'Without --cdc: forgets what the destination acknowledged (the snapshot and the cursor), so the next run ' +
    'sends every row as added, as a first run does. With --cdc: reads the model now and records its rows as ' +
    'synced without sending anything, so only later changes are sent (a run in reset_cdc mode). Run history ' +
    'and tracking are kept. Refused while the sync is running.',
  options: {
    cdc: { type: 'boolean', description: 'start change tracking from the current rows instead' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['sluice reset customers_to_braze', 'sluice reset customers_to_braze --cdc'],
  run: (input) => import('../actions/reset.js').then((action) => action.default(input)),
})
