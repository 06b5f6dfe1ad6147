import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'init',
  summary: 'start a project: config, a sample model and warehouse, .env.example, .gitignore',
  usage: '[dir] [options]',
  description:
    'Writes a new project into dir (the current folder by default): sluice.config.ts with one sync to Braze, ' +
    'models/customers.sql, warehouse/seed.sql applied to warehouse.duckdb, .env.example, .gitignore and a ' +
    'package.json when there is none. Existing files are left alone unless --force.',
  options: {
    force: { type: 'boolean', description: 'overwrite files that already exist' },
    from: {
      type: 'string',
      value: '<dir>',
      description:
        'depend on the packed tarballs in this folder, not the registry (pnpm pack:local in a checkout writes them)',
    },
  },
  positionals: { min: 0, max: 1 },
  examples: [
    'sluice init my-project',
    'sluice init . --force',
    'sluice init my-project --from ~/sluice/.packed',
  ],
  run: (input) => import('../actions/init.js').then((action) => action.default(input)),
})
