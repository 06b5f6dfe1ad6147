// `pnpm manifests`: writes the facts each connector's `sluice` manifest repeats from its code.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeManifests } from './index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
const changed = await writeManifests(join(root, 'connectors'))
process.stdout.write(
  changed.length > 0
    ? `manifests written from the code: ${changed.join(', ')}\n`
    : 'manifests match the code\n',
)
