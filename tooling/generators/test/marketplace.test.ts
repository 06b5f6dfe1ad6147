import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineDestination } from '@sluice/core/contract'
import { loadConnectorAt, manifestMismatches, manifestProblems } from '@sluice/runner'
import { describe, expect, it } from 'vitest'
import { connectorPackages, manifestFromCode } from '../src/manifests/index.js'

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

    it(`${pkg.name}: the runner loads it, its manifest agreeing with its code`, async () => {
      const loaded = await loadConnectorAt(dir, { conditions: ['@sluice/source'] })
      expect(loaded.connector.kind).toBe(pkg.sluice.kind)
    }, 600_000)
  }

  it('say what the code declares, as `pnpm manifests` writes them', async () => {
    const generated = await connectorPackages(connectorsDir)
    expect(generated.length).toBe(packages.filter((p) => p.pkg.sluice).length)
    for (const { pkg, generated: fromCode } of generated)
      expect(pkg.sluice, `${pkg.name}: run \`pnpm manifests\``).toEqual(fromCode)
  }, 600_000)
})

describe('a manifest written from the code', () => {
  const code = defineDestination({
    name: 'example',
    config: { type: 'object', properties: {} } as never,
    capabilities: {
      behaviours: ['upsert', 'mirror'],
      objects: { contacts: { behaviours: ['upsert', 'update'], description: 'people' } },
      batchSize: 10,
      concurrency: 1,
      rateLimit: { requests: 10, perMs: 1000 },
    },
    connect: () => ({
      async check() {},
      async discover() {
        return { objects: [] }
      },
      async write() {
        return []
      },
    }),
  })

  it('takes behaviours, declared objects and the declared rate limit from the code, keeping what only people read', () => {
    const written = {
      kind: 'destination' as const,
      displayName: 'Example',
      description: 'an example',
      auth: 'api_key' as const,
      behaviours: ['append' as const],
      objects: [
        { name: 'contacts', description: 'old words', behaviours: ['append' as const] },
        { name: 'any other list', description: 'found by discover', behaviours: ['upsert' as const] },
      ],
      rateLimits: [{ requests: 100, perMs: 60_000, scope: 'per day' }],
      docs: 'https://example.com',
    }
    const generated = manifestFromCode(written, code)
    expect(generated).toEqual({
      kind: 'destination',
      displayName: 'Example',
      description: 'an example',
      auth: 'api_key',
      behaviours: ['upsert', 'update', 'mirror'],
      objects: [
        { name: 'contacts', description: 'people', behaviours: ['upsert', 'update'] },
        { name: 'any other list', description: 'found by discover' },
      ],
      rateLimits: [
        { requests: 10, perMs: 1000 },
        { requests: 100, perMs: 60_000, scope: 'per day' },
      ],
      docs: 'https://example.com',
    })
    // The runner finds nothing to refuse in what was written.
    expect(manifestMismatches('@example/destination-example', generated as never, code)).toEqual([])
    expect(manifestMismatches('@example/destination-example', written as never, code)).not.toEqual([])
  })
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
