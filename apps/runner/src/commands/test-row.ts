import { KINDS } from '../framework/choices.js'
import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'test-row',
  summary: 'send one row of a sync and show the request and response',
  usage: '<sync> --id <identifier> [options]',
  description:
    "Finds the row with that identifier in the sync's model, maps it as the sync would, sends it to the " +
    'destination as an added, changed or removed row, and shows the mapped payload, every HTTP request and ' +
    "response (credentials masked) and the destination's verdict. The sync's state is not changed: the next " +
    'run treats the row as it would have anyway. Exit code 0 when the destination accepted it, 1 otherwise.',
  options: {
    id: { type: 'string', value: '<identifier>', description: "the row's identifier value (required)" },
    as: {
      type: 'string',
      value: '<kind>',
      description: 'send it as this kind of change (default added)',
      choices: KINDS,
    },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'sluice test-row customers_to_braze --id cus_0000042',
    'sluice test-row customers_to_braze --id cus_0000042 --as removed',
  ],
  run: (input) => import('../actions/test-row.js').then((action) => action.default(input)),
})
