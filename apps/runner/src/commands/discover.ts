import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'discover',
  summary: "list a destination's objects and fields",
  usage: '<destination> [options]',
  description:
    'Asks the destination which objects it holds and their fields: type, whether the field can match records ' +
    '(an identifier candidate), and whether it can be set on create and on update.',
  options: {
    object: { type: 'string', value: '<name>', description: 'show only this object' },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'sluice discover braze',
    'sluice discover salesforce --object Contact',
    'sluice discover braze --json',
  ],
  run: (input) => import('../actions/discover.js').then((action) => action.default(input)),
})
