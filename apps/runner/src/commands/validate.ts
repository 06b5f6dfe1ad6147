import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'validate',
  summary: 'check the project config: every problem with its file, path and reason',
  usage: '[options]',
  description:
    'Loads the project config, resolves ${env:NAME} references and checks it against the schema, the rules ' +
    'across entries (references, schedules, mappings) and what each installed connector accepts. Every ' +
    'problem is listed with its file, JSON path, what was expected and what was found. Exit code 1 on any.',
  positionals: { min: 0, max: 0 },
  examples: ['sluice validate', 'sluice validate --config path/to/sluice.json --json'],
  run: (input) => import('../actions/validate.js').then((action) => action.default(input)),
})
