import { OPERATIONS, TRACKING_STATUSES } from '../framework/choices.js'
import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'records',
  summary: "a run's row-level results: filter, search, sample, export",
  usage: '<run | latest> [options]',
  description:
    'What happened to each row of a run, from the tracking lake: its identifier, operation, status (succeeded, ' +
    'rejected, NULL, DUPLICATE, invalid) and the reason. Filter by status and operation, search by identifier, ' +
    'take a sample of up to 100 rows that did not make it, or export the filtered rows as CSV or JSON lines.',
  options: {
    status: {
      type: 'string',
      multiple: true,
      value: '<status>',
      description: 'only rows with this status (repeatable)',
      choices: TRACKING_STATUSES,
    },
    operation: {
      type: 'string',
      multiple: true,
      value: '<op>',
      description: 'only rows sent with this operation (repeatable)',
      choices: OPERATIONS,
    },
    search: { type: 'string', value: '<id>', description: 'the rows of one identifier' },
    sample: {
      type: 'boolean',
      description: 'a sample of up to 100 rejected or invalid rows, with their reasons',
    },
    export: {
      type: 'string',
      value: '<file>',
      description: 'write the filtered rows to a .csv or .jsonl file',
    },
    limit: { type: 'string', value: '<n>', description: 'rows to show (default 50)' },
    payload: { type: 'boolean', description: "show each row's payload" },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'sluice records latest --status rejected',
    'sluice records 20261204T091530512Z-3f9a1c --search cus_0000042',
    'sluice records 20261204T091530512Z-3f9a1c --sample --payload',
    'sluice records 20261204T091530512Z-3f9a1c --status rejected --export rejected.csv',
  ],
  run: (input) => import('../actions/records.js').then((action) => action.default(input)),
})
