import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manifestProblems } from '../src/discovery/manifest.js'
import { findInstalledConnectors, loadConnector } from '../src/discovery/registry.js'

const manifest = {
  kind: 'destination',
  displayName: 'Acme',
  description: 'Contacts in Acme.',
  behaviours: ['upsert', 'delete'],
  objects: [{ name: 'contacts' }],
  auth: 'api_key',
  rateLimits: [{ requests: 10, perMs: 1000 }],
  docs: 'https://example.com/acme',
}

const connectorSource = (overrides = '') => `export default {
  kind: 'destination',
  name: 'acme',
  config: { type: 'object', properties: {} },
  capabilities: { behaviours: ['upsert', 'delete'], batchSize: 10, concurrency: 2, rateLimit: { requests: 10, perMs: 1000 } },
  connect() { return {} },
  ${overrides}
}
`

let project: string

async function addPackage(
  name: string,
  pkg: Record<string, unknown>,
  files: Record<string, string>,
  root = project,
) {
  const dir = join(root, 'node_modules', ...name.split('/'))
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.2.3', type: 'module', ...pkg }),
  )
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'sluice-registry-'))
  await addPackage(
    '@acme/destination-acme',
    { sluice: manifest, exports: { '.': { import: './index.js' } } },
    {
      'index.js': connectorSource(),
    },
  )
  await addPackage(
    'destination-broken',
    { sluice: { ...manifest, id: 'broken' }, main: 'index.js' },
    {
      'index.js': `export default { kind: 'destination', name: 'broken', config: {}, capabilities: { behaviours: ['upsert'], batchSize: 0, concurrency: 1 } }`,
    },
  )
  await addPackage(
    'destination-liar',
    { sluice: { ...manifest, id: 'acme', behaviours: ['upsert', 'delete', 'append'] } },
    {
      'index.js': connectorSource(),
    },
  )
  await addPackage(
    'destination-badmanifest',
    { sluice: { kind: 'destination', displayName: '' } },
    { 'index.js': '' },
  )
  await addPackage('left-pad', {}, { 'index.js': 'export default 1' })
  await addPackage(
    '@other/source-thing',
    {
      sluice: {
        kind: 'source',
        displayName: 'Thing',
        description: 'A source.',
        auth: 'none',
        docs: 'https://example.com/thing',
      },
    },
    {
      'index.js': `export const thing = { kind: 'source', name: 'thing', config: {}, capabilities: { bookkeeping: false, dialect: 'duckdb' }, connect() {} }`,
    },
  )
  await addPackage(
    '@other/source-named',
    {
      sluice: {
        kind: 'source',
        id: 'thing',
        displayName: 'Thing',
        description: 'A source.',
        auth: 'none',
        docs: 'https://example.com/thing',
        export: 'thing',
      },
    },
    {
      'index.js': `export const thing = { kind: 'source', name: 'thing', config: {}, capabilities: { bookkeeping: false, dialect: 'duckdb' }, connect() {} }`,
    },
  )
})
afterAll(() => rm(project, { recursive: true, force: true }))

describe('findInstalledConnectors', () => {
  it('finds connector packages by their manifest, scoped ones included, and nothing else', async () => {
    const found = await findInstalledConnectors(join(project, 'some', 'sub', 'dir'))
    expect(found.map((c) => c.packageName)).toEqual([
      '@acme/destination-acme',
      '@other/source-named',
      '@other/source-thing',
      'destination-badmanifest',
      'destination-broken',
      'destination-liar',
    ])
    const acme = found[0]!
    expect(acme).toMatchObject({ id: 'acme', version: '1.2.3', problems: [] })
    expect(found.find((c) => c.packageName === 'destination-badmanifest')!.problems.join('\n')).toContain(
      'sluice.displayName',
    )
  })
})

describe('loadConnector', () => {
  it('imports a connector and checks it against its manifest', async () => {
    const loaded = await loadConnector('@acme/destination-acme', project)
    expect(loaded.id).toBe('acme')
    expect(loaded.connector.kind).toBe('destination')
    expect(loaded.manifest.displayName).toBe('Acme')
  })

  async function failure(name: string): Promise<string> {
    try {
      await loadConnector(name, project)
    } catch (error) {
      expect(isSluiceError(error)).toBe(true)
      return (error as Error).message
    }
    throw new Error('expected loading to fail')
  }

  it('fails loudly with the package name and what is missing', async () => {
    const message = await failure('destination-broken')
    expect(message).toContain('package "destination-broken" is not a usable Sluice connector')
    expect(message).toContain('connect(config, ctx) is missing')
  })

  it('fails when the manifest and the code disagree', async () => {
    expect(await failure('destination-liar')).toContain(
      'sluice.behaviours lists append, which the connector does not declare',
    )
  })

  it('fails on an invalid manifest, naming the field', async () => {
    expect(await failure('destination-badmanifest')).toMatch(/sluice\.displayName/)
  })

  it('reads a named export when the manifest says so, and says when it is absent', async () => {
    expect(await failure('@other/source-thing')).toContain('it has no "default" export')
    expect((await loadConnector('@other/source-named', project)).connector.name).toBe('thing')
  })

  it('says when a package is not installed', async () => {
    await expect(loadConnector('destination-nowhere', project)).rejects.toMatchObject({
      code: 'CONNECTOR_NOT_INSTALLED',
    })
  })
})

describe('manifestProblems', () => {
  it('accepts a complete manifest and requires behaviours and objects of destinations', () => {
    expect(manifestProblems(manifest)).toEqual([])
    const { behaviours: _b, objects: _o, ...bare } = manifest
    expect(manifestProblems(bare)).toEqual([
      'sluice.behaviours: a destination lists the behaviours it supports',
      'sluice.objects: a destination lists the objects it writes to',
    ])
    expect(manifestProblems({ ...manifest, behaviours: ['teleport'] })).toEqual([
      'sluice.behaviours.0: expected one of upsert | update | create | mirror | append | delete, found "teleport"',
    ])
    expect(manifestProblems({ ...manifest, auth: 'apikey' })[0]).toContain('expected one of none | api_key')
  })
})
