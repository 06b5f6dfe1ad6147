/**
 * Writes the project config's JSON Schema to `sluice.schema.json`, the file editors read through a
 * `sluice.json`'s `"$schema"`. Run it after changing `src/config/schema.ts`:
 * `pnpm --filter @sluice/core schema`.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { renderJsonSchema } from '../src/config/json-schema.js'

const target = fileURLToPath(new URL('../sluice.schema.json', import.meta.url))
await writeFile(target, renderJsonSchema())
console.log(`wrote ${target}`)
