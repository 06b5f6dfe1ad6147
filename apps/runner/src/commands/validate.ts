import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'validate',
  summary: 'check the project config: every problem with its file, path and reason',
  usage: '[options]',
  description:
    'Loads the project config, resolves ${env:NAME} references and checks it against the schema, the rules ' +
    'across entries (references, schedules, mappings) and what each installed connector accepts. Every ' +
    'problem is listed with its file, JSON path, what was expected and what was found. Exit code 1 on any. ' +
    "With --online it also connects: each sync is checked against its destination's objects and fields " +
    "(from discover) and its model's columns.",
  options: {
    online: {
      type: 'boolean',
      description: 'connect, and check mapped fields against the destination and columns against the model',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'sluice validate',
    'sluice validate --online',
    'sluice validate --config path/to/sluice.json --json',
  ],
  run: (input) => import('../actions/validate.js').then((action) => action.default(input)),
})
