/**
 * Writes the project config's JSON Schema to `sluice.schema.json`, the file editors read through a
 * `sluice.json`'s `"$schema"`, and the config reference `docs/config-reference.md` from the same
 * schema. Run it after changing `src/config/schema.ts`: `pnpm --filter @sluice/core schema`.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { renderJsonSchema } from '../src/config/json-schema.js'
import { renderConfigReference } from '../src/config/reference.js'

for (const [file, text] of [
  ['../sluice.schema.json', renderJsonSchema()],
  ['../../../docs/config-reference.md', renderConfigReference()],
] as const) {
  const target = fileURLToPath(new URL(file, import.meta.url))
  await writeFile(target, text)
  console.log(`wrote ${target}`)
}
