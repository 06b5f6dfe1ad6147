import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'run',
  summary: 'run syncs: send what changed, track every row',
  usage: '<sync…> [options]',
  description:
    'Runs each named sync in turn: queries its model, works out what was added, changed and removed since the ' +
    'last run, sends exactly that to the destination and tracks every row. A live progress line on a terminal, ' +
    'plain lines otherwise, and with --json one JSON object per run on stdout (runId, sync, status, counts, ' +
    'error). Ctrl-C cancels cleanly: the run ends "cancelled" and what was committed is kept.',
  options: {
    'full-resync': { type: 'boolean', description: 'send every current row as added (removes nothing)' },
    'reset-cdc': { type: 'boolean', description: 'record the current rows as synced and send nothing' },
    'dry-run': {
      type: 'boolean',
      description: 'plan only: counts per operation and a few mapped payloads; nothing sent or committed',
    },
  },
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  runsSyncs: true,
  examples: [
    'sluice run customers_to_braze',
    'sluice run customers_to_braze contacts_to_salesforce --json',
    'sluice run customers_to_braze --dry-run',
    'sluice run customers_to_braze --full-resync',
  ],
  run: (input) => import('../actions/run.js').then((action) => action.default(input)),
})
