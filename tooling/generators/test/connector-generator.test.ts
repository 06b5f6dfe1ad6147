import { createRequire } from 'node:module'
import type { Tree } from '@nx/devkit'
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing'
import { describe, expect, it } from 'vitest'

type Generator = (tree: Tree, options: Record<string, unknown>) => Promise<() => void>
const generator = createRequire(import.meta.url)('../src/connector/generator.cjs') as Generator

const created = new WeakMap<Tree, string[]>()

async function generate(options: Record<string, unknown>): Promise<Tree> {
  const tree = createTreeWithEmptyWorkspace()
  const before = new Set(tree.listChanges().map((c) => c.path))
  await generator(tree, { skipInstall: true, ...options })
  created.set(
    tree,
    tree
      .listChanges()
      .map((c) => c.path)
      .filter((p) => !before.has(p)),
  )
  return tree
}

describe('the connector generator', () => {
  it('writes a complete package with every placeholder filled in', async () => {
    const tree = await generate({ name: 'acme-crm' })
    const root = 'connectors/destination-acme-crm'
    const files = [...created.get(tree)!].sort()
    expect(files).toEqual(
      [
        '.changeset/destination-acme-crm.md',
        `${root}/README.md`,
        `${root}/package.json`,
        `${root}/src/config.ts`,
        `${root}/src/connector.ts`,
        `${root}/src/fake/index.ts`,
        `${root}/src/index.ts`,
        `${root}/test/conformance.test.ts`,
        `${root}/tsconfig.build.json`,
        `${root}/tsconfig.json`,
        `${root}/turbo.json`,
        `${root}/vitest.config.ts`,
      ].sort(),
    )
    for (const file of files) expect(tree.read(file, 'utf8'), file).not.toMatch(/<%|%>|__tmpl__/)
    const pkg = JSON.parse(tree.read(`${root}/package.json`, 'utf8')!)
    expect(pkg.name).toBe('@sluice/destination-acme-crm')
    expect(pkg.sluice).toMatchObject({ kind: 'destination', displayName: 'Acme Crm' })
    expect(tree.read(`${root}/src/connector.ts`, 'utf8')).toContain("const COMPONENT = 'acme-crm'")
    expect(tree.read(`${root}/src/config.ts`, 'utf8')).toContain('export const AcmeCrmConfig')
    expect(tree.read(`${root}/src/fake/index.ts`, 'utf8')).toContain('export function createFakeAcmeCrm()')
    // The conformance suite runs once: as its own task, which the test task depends on.
    expect(pkg.scripts.test).toContain('--exclude test/conformance.test.ts')
    expect(JSON.parse(tree.read(`${root}/turbo.json`, 'utf8')!).tasks.test.dependsOn).toContain('conformance')
    expect(tree.read('.changeset/destination-acme-crm.md', 'utf8')).toContain(
      '"@sluice/destination-acme-crm": minor',
    )
  })

  it('takes a display name', async () => {
    const tree = await generate({ name: 'hubspot', displayName: 'HubSpot' })
    expect(tree.read('connectors/destination-hubspot/README.md', 'utf8')).toContain(
      'A Sluice destination for HubSpot.',
    )
  })

  it('refuses a name that is not a connector id', async () => {
    await expect(generate({ name: 'Acme CRM' })).rejects.toThrow(/"Acme CRM" is not a valid connector name/)
  })

  it('refuses to overwrite an existing connector', async () => {
    const tree = createTreeWithEmptyWorkspace()
    tree.write('connectors/destination-acme/package.json', '{}')
    await expect(generator(tree, { name: 'acme', skipInstall: true })).rejects.toThrow(/already exists/)
  })
})
