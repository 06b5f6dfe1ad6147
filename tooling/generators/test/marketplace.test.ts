import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConnectorAt, manifestProblems } from '@sluice/runner'
import { describe, expect, it } from 'vitest'

/**
 * The catalog is generated from the connectors' `sluice` manifests; these checks keep the manifests
 * true to the code (kind, id, behaviours, objects, rate limits) and `marketplace.json` up to date.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const connectorsDir = join(repo, 'connectors')
const packages = readdirSync(connectorsDir)
  .map((name) => join(connectorsDir, name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))

describe('connector manifests', () => {
  it('every connector package has a `sluice` manifest', () => {
    expect(packages.filter((p) => !p.pkg.sluice).map((p) => p.pkg.name)).toEqual([])
  })

  for (const { dir, pkg } of packages.filter((p) => p.pkg.sluice)) {
    it(`${pkg.name}: the manifest is valid`, () => {
      expect(manifestProblems(pkg.sluice)).toEqual([])
    })

    it(`${pkg.name}: the manifest matches the code`, async () => {
      const loaded = await loadConnectorAt(dir, { conditions: ['@sluice/source'] })
      expect(loaded.connector.kind).toBe(pkg.sluice.kind)
    }, 600_000)
  }
})

describe('marketplace.json', () => {
  it('is current: `pnpm marketplace` regenerates it from the manifests', async () => {
    const script = join(repo, 'tooling/scripts/marketplace.mjs')
    const { buildCatalog, CATALOG_FILE } = (await import(script)) as {
      buildCatalog: () => { connectors: Array<Record<string, unknown>> }
      CATALOG_FILE: string
    }
    // Conformance results change with every run; the rest comes from the manifests.
    const withoutResults = (c: { connectors: Array<Record<string, unknown>> }) =>
      c.connectors.map(({ conformance: _c, ...rest }) => rest)
    const committed = JSON.parse(readFileSync(CATALOG_FILE, 'utf8'))
    expect(withoutResults(committed), 'run `pnpm marketplace`').toEqual(withoutResults(buildCatalog()))
  })
})
