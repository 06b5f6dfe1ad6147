import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'demo',
  summary: 'a full walkthrough on sample data: warehouse, fake APIs, two runs',
  usage: '[dir] [options]',
  description:
    'Sets up a project in dir (default: .sluice-demo in the current folder) with a DuckDB warehouse of sample ' +
    'customers and events, including NULL and duplicate identifiers and values the destinations refuse; ' +
    'starts fake Braze and Salesforce APIs on 127.0.0.1 (or uses your accounts when BRAZE_API_KEY and ' +
    'BRAZE_INSTANCE_URL, or SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID and SALESFORCE_REFRESH_TOKEN, are ' +
    'set); runs every sync; changes the warehouse (inserts, updates, deletes); runs again incrementally; and ' +
    'shows where the run history and the row-level tracking lake are, and how to query them. The demo is its ' +
    'own package: npm install @sluice/demo next to the runner.',
  options: {
    customers: {
      type: 'string',
      value: '<n>',
      description: 'customers in the sample warehouse (default 25000)',
    },
    serve: {
      type: 'boolean',
      description: 'keep the fake APIs running afterwards, to try run and test-row against them',
    },
  },
  positionals: { min: 0, max: 1 },
  examples: ['sluice demo', 'sluice demo /tmp/try-sluice --customers 5000', 'sluice demo --serve'],
  run: (input) => import('../actions/demo.js').then((action) => action.default(input)),
})
