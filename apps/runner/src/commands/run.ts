import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'run',
  summary: 'run syncs: send what changed, track every row',
  usage: '[<sync…>] [--all | --select label:<label>] [options]',
  description:
    'Runs each named sync in turn: queries its model, works out what was added, changed and removed since the ' +
    'last run, sends exactly that to the destination and tracks every row. A live progress line on a terminal, ' +
    'plain lines otherwise, and with --json one JSON object per run on stdout (runId, sync, status, counts, ' +
    'error). Ctrl-C cancels cleanly: the run ends "cancelled" and what was committed is kept. A sync with ' +
    'enabled: false is refused unless --force; --all and --select leave it out.',
  options: {
    all: { type: 'boolean', description: 'run every enabled sync of the project, in config order' },
    select: {
      type: 'string',
      multiple: true,
      value: '<label:name|sync>',
      description: 'run the enabled syncs with this label (label:<label>) or this sync; repeatable',
    },
    force: {
      type: 'boolean',
      description: 'run syncs even when they are disabled (enabled: false) or a safeguard would stop them',
    },
    'full-resync': { type: 'boolean', description: 'send every current row as added (removes nothing)' },
    'reset-cdc': { type: 'boolean', description: 'record the current rows as synced and send nothing' },
    'dry-run': {
      type: 'boolean',
      description: 'plan only: counts per operation and a few mapped payloads; nothing sent or committed',
    },
  },
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  runsSyncs: true,
  examples: [
    'sluice run customers_to_braze',
    'sluice run customers_to_braze contacts_to_salesforce --json',
    'sluice run customers_to_braze --dry-run',
    'sluice run customers_to_braze --full-resync',
    'sluice run --all',
    'sluice run --select label:nightly --select label:crm --json',
  ],
  run: (input) => import('../actions/run.js').then((action) => action.default(input)),
})
