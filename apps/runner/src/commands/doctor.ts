import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'doctor',
  summary: 'find state files that cannot be read, and quarantine them (--repair)',
  usage: '[options]',
  description:
    "Reads every file of the project's embedded state (run ledger files, snapshot files, cursors) as runs and " +
    'commands read them, and names each one that cannot be read (a full disk, a crash of the machine, a hand ' +
    "edit) with what its repair does. --repair --yes moves those files into the state folder's quarantine " +
    '(nothing is deleted): the rows a quarantined snapshot file recorded as synced are sent again by the next ' +
    'run, never skipped; a quarantined ledger file only takes its run out of the history. Refused for a sync ' +
    'that is running. Needs no connector and no credential.',
  options: {
    repair: { type: 'boolean', description: 'quarantine the files found (with --yes)' },
    yes: { type: 'boolean', description: 'repair without asking to confirm' },
  },
  positionals: { min: 0, max: 0 },
  examples: ['sluice doctor', 'sluice doctor --repair --yes', 'sluice doctor --json'],
  run: (input) => import('../actions/doctor.js').then((action) => action.default(input)),
})
