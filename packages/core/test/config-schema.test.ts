import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Value } from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { renderConfigReference } from '../src/config/reference.js'
import { ProjectConfig, projectJsonSchema, renderJsonSchema } from '../src/index.js'
import { type Loose, validProject } from './fixtures/config/connectors.js'

const packageRoot = join(import.meta.dirname, '..')

describe('sluice.schema.json', () => {
  it('is the schema as it is now (run `pnpm --filter @sluice/core schema` after changing it)', async () => {
    const committed = await readFile(join(packageRoot, 'sluice.schema.json'), 'utf8')
    expect(committed).toBe(renderJsonSchema())
  })

  it('has a reference in docs/ that lists every key as the schema has it now', async () => {
    const committed = await readFile(join(packageRoot, '../../docs/config-reference.md'), 'utf8')
    expect(committed).toBe(renderConfigReference())
    for (const key of [
      'syncs.<name>.labels',
      'settings.state.backend',
      'syncs.<name>.mappings[].array.mode',
    ]) {
      expect(committed).toContain(`\`${key}\``)
    }
  })

  it('is exported for editors to find in node_modules', async () => {
    const manifest = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8'))
    expect(manifest.exports['./sluice.schema.json']).toBe('./sluice.schema.json')
    expect(manifest.files).toContain('sluice.schema.json')
  })

  it('is plain JSON Schema that accepts a valid config and refuses a bad one', () => {
    const schema = projectJsonSchema()
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(JSON.stringify(schema)).not.toContain('~kind')
    // The emitted document, read back as data, validates like the typebox schema it came from.
    const { $schema: _, ...plain } = schema
    const project: Loose = { $schema: './node_modules/@sluice/core/sluice.schema.json', ...validProject() }
    expect(Value.Check(plain as never, project)).toBe(true)
    expect(Value.Check(ProjectConfig, project)).toBe(true)
    project.syncs.contacts.behaviour = 'upsertt'
    expect(Value.Check(plain as never, project)).toBe(false)
  })
})
