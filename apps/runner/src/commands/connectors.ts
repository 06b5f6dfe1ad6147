import { defineCommand } from '../framework/spec.js'

export const connectors = defineCommand({
  name: 'connectors',
  summary: 'installed connectors, and the ones available from the catalog',
  usage: '[options]',
  description:
    'Lists the connectors installed for the project (found in node_modules by the sluice manifest in their ' +
    'package.json, and checked against the connector contract) and the ones the marketplace catalog offers.',
  positionals: { min: 0, max: 0 },
  examples: ['sluice connectors', 'sluice connectors --json'],
  run: (input) => import('../actions/connectors.js').then((action) => action.list(input)),
})

export const connectorsList = defineCommand({
  ...connectors,
  name: 'connectors list',
  summary: 'the same as sluice connectors',
  examples: ['sluice connectors list'],
})

export const connectorsAdd = defineCommand({
  name: 'connectors add',
  summary: "install a connector with the project's package manager",
  usage: '<name> [options]',
  description:
    'Installs a connector package into the project with its package manager (pnpm, yarn, bun or npm, from the ' +
    'lockfile), then checks that it loads and satisfies the contract. The name is a catalog type (braze), a ' +
    'package name, or a path to a package folder. With --from, the package comes from a folder of packed ' +
    'tarballs (what pnpm pack or npm pack writes, <scope>-<name>-<version>.tgz) instead of the registry: to try ' +
    'a connector before it is published, or on a machine without registry access.',
  options: {
    'dry-run': { type: 'boolean', description: 'print the install command without running it' },
    from: {
      type: 'string',
      value: '<dir>',
      description: 'install the package from its packed tarball in this folder, not from the registry',
    },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'sluice connectors add salesforce',
    'sluice connectors add @acme/sluice-destination-hubspot',
    'sluice connectors add salesforce --from ./packs',
  ],
  run: (input) =>
    import('../actions/connectors.js').then((action) => action.add(input, input.positionals[0]!)),
})
