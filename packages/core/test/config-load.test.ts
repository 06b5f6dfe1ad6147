import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, esModuleNamespace, findConfigFile, loadProject } from '../src/index.js'
import { connectors, env, validProject } from './fixtures/config/connectors.js'

const coreEntry = pathToFileURL(join(import.meta.dirname, '../src/index.ts')).href

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-config-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const tsConfig = (syncName: string) => `
import { defineConfig } from '${coreEntry}'

export default defineConfig({
  name: 'acme',
  sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
  destinations: { crm: { type: 'crm', config: { apiKey: '\${env:CRM_API_KEY}', region: 'eu' } } },
  models: {
    users: { source: 'warehouse', table: 'users' },
    ltv: { source: 'warehouse', dbt: { model: 'customer_ltv' } },
  },
  syncs: {
    ${syncName}: {
      model: 'users',
      destination: 'crm',
      object: 'contacts',
      behaviour: 'mirror',
      deleteBehaviour: 'clear',
      identifier: { column: 'id', field: 'external_id' },
      schedule: { type: 'cron', expression: '0 6 * * *' },
    },
  },
})
`

describe('loadProject', () => {
  it('loads sluice.config.ts found in a folder, resolving env references and filling defaults', async () => {
    await writeFile(join(dir, 'sluice.config.ts'), tsConfig('contacts'))
    const project = await loadProject(dir, { env, connectors })
    expect(project.file).toBe(join(dir, 'sluice.config.ts'))
    expect(project.dir).toBe(dir)
    expect(project.name).toBe('acme')
    expect(project.destinations.crm).toEqual({
      name: 'crm',
      type: 'crm',
      // the connector's own defaults are filled in too
      config: { apiKey: 'crm-key-0123456789', region: 'eu', timeoutMs: 30_000 },
    })
    expect(project.models.ltv).toEqual({
      name: 'ltv',
      source: 'warehouse',
      dbt: { model: 'customer_ltv', manifest: join(dir, 'target/manifest.json') },
    })
    expect(project.syncs.contacts).toEqual({
      name: 'contacts',
      model: 'users',
      destination: 'crm',
      object: 'contacts',
      behaviour: 'mirror',
      deleteBehaviour: 'clear',
      identifier: { column: 'id', field: 'external_id' },
      enabled: true,
      labels: [],
      mappings: [],
      syncAllProperties: false,
      batching: {},
      schedule: { type: 'cron', expression: '0 6 * * *', timezone: 'UTC' },
      alerts: [],
    })
    expect(project.settings).toEqual({
      org: 'acme',
      state: { backend: 'duckdb', path: join(dir, '.sluice/state') },
      lake: { path: join(dir, '.sluice/lake') },
      retentionDays: 14,
      rejectedRetryDays: 14,
      warehouseLogs: { enabled: false },
      maxConcurrentRuns: 4,
    })
  })

  it('loads sluice.json, named directly', async () => {
    const file = join(dir, 'sluice.json')
    await writeFile(
      file,
      JSON.stringify({ $schema: './node_modules/@sluice/core/sluice.schema.json', ...validProject() }),
    )
    const project = await loadProject(file, { env })
    expect(Object.keys(project.syncs)).toEqual(['contacts', 'orders'])
    expect(project.syncs.orders?.schedule).toEqual({ type: 'after', sync: 'contacts' })
    // no settings, no name: every default
    expect(project.settings.org).toBe('default')
    expect(project.settings.state).toEqual({ backend: 'duckdb', path: join(dir, '.sluice/state') })
  })

  it('resolves settings paths against the config file, and keeps absolute ones', async () => {
    const config = {
      ...validProject(),
      settings: {
        org: 'acme-eu',
        state: { backend: 'duckdb', path: 'var/state' },
        lake: { path: '/srv/sluice/lake' },
        retentionDays: 30,
        rejectedRetryDays: 0,
        warehouseLogs: { enabled: true },
      },
    }
    await writeFile(join(dir, 'sluice.json'), JSON.stringify(config))
    const { settings } = await loadProject(dir, { env })
    expect(settings).toEqual({
      org: 'acme-eu',
      state: { backend: 'duckdb', path: join(dir, 'var/state') },
      lake: { path: '/srv/sluice/lake' },
      retentionDays: 30,
      rejectedRetryDays: 0,
      warehouseLogs: { enabled: true, source: 'warehouse', schema: 'sluice_logs' },
      maxConcurrentRuns: 4,
    })
  })

  it('takes a postgres state store and an S3 lake', async () => {
    const config = {
      ...validProject(),
      settings: {
        state: { backend: 'postgres', url: '${env:DATABASE_URL}' },
        lake: { s3: { bucket: 'acme-sluice', region: 'eu-west-1' } },
      },
    }
    await writeFile(join(dir, 'sluice.json'), JSON.stringify(config))
    const { settings } = await loadProject(dir, { env: { ...env, DATABASE_URL: 'postgres://u:pw@db/x' } })
    expect(settings.state).toEqual({ backend: 'postgres', url: 'postgres://u:pw@db/x', schema: 'sluice' })
    expect(settings.lake).toEqual({ s3: { bucket: 'acme-sluice', region: 'eu-west-1', prefix: '' } })
  })

  it('prefers sluice.config.ts over sluice.json in the same folder', async () => {
    await writeFile(join(dir, 'sluice.json'), '{}')
    await writeFile(join(dir, 'sluice.config.ts'), tsConfig('contacts'))
    expect(await findConfigFile(dir)).toBe(join(dir, 'sluice.config.ts'))
  })

  it('loads a changed .ts config anew rather than from the module cache', async () => {
    const file = join(dir, 'sluice.config.ts')
    await writeFile(file, tsConfig('first'))
    expect(Object.keys((await loadProject(file, { env })).syncs)).toEqual(['first'])
    await writeFile(file, tsConfig('second'))
    const later = new Date(Date.now() + 5_000)
    await utimes(file, later, later)
    expect(Object.keys((await loadProject(file, { env })).syncs)).toEqual(['second'])
  })

  it('names the file relative to the working folder in every issue', async () => {
    await writeFile(join(dir, 'sluice.json'), JSON.stringify({ ...validProject(), name: 'has spaces' }))
    const error = await rejection(loadProject('.', { env, cwd: dir }))
    expect(error.issues.map((i) => i.message)).toEqual([
      'sluice.json: /name: expected a name of letters, digits, _ and - that starts with a letter, at most 63 characters, found "has spaces"',
    ])
  })

  it('reports JSON syntax errors with their line and column', async () => {
    await writeFile(join(dir, 'sluice.json'), '{\n  "sources": {},\n  "syncs": {,}\n}\n')
    const error = await rejection(loadProject(dir, { env, cwd: dir }))
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]?.message).toMatch(
      /^sluice\.json: expected valid JSON, found .+ at line 3, column 13$/,
    )
  })

  it('refuses a key written twice in one object, naming both lines', async () => {
    const project = JSON.stringify(validProject(), null, 2)
    // the last sync pasted again under the same name, and a field set twice in a nested object
    const text = project
      .replace('"syncs": {', '"syncs": {\n    "orders": { "model": "other" },')
      .replace(/"destinations": \{/, '"destinations": {"a": {"x": 1, "x": 2},')
    await writeFile(join(dir, 'sluice.json'), text)
    const error = await rejection(loadProject(dir, { env, cwd: dir }))
    const messages = error.issues.map((i) => i.message)
    expect(messages).toHaveLength(2)
    expect(messages[0]).toMatch(
      /^sluice\.json: \/destinations\/a\/x: expected each key once in an object, found "x" again at line \d+, column \d+ \(first at line \d+/,
    )
    expect(messages[1]).toMatch(/^sluice\.json: \/syncs\/orders: expected each key once in an object/)
  })

  it('reports a folder without a config', async () => {
    const error = await rejection(loadProject(dir, { cwd: dir }))
    expect(error.issues.map((i) => i.message)).toEqual([
      `${dir}: expected a project config: sluice.config.ts, sluice.config.mts, sluice.config.js, sluice.config.mjs, sluice.json, found none in this folder`,
    ])
  })

  it('reports a missing file', async () => {
    const error = await rejection(loadProject('nowhere/sluice.json', { cwd: dir }))
    expect(error.issues.map((i) => i.message)).toEqual([
      'nowhere/sluice.json: expected a project config file, found no such file',
    ])
  })

  it('reads the default export of a config that Node loaded as CommonJS compiled from ESM', () => {
    // What Node's import() gives for a sluice.config.ts in a folder without "type": "module", once a
    // TypeScript loader compiled it to CommonJS: the whole exports object, marked __esModule, as default.
    // (The test runner unwraps such modules itself, so the namespace is built here as Node builds it.)
    const config = validProject()
    const exports = Object.defineProperty({ default: config }, '__esModule', { value: true })
    expect(esModuleNamespace({ default: exports }).default).toBe(config)
    // an ES module, and a CommonJS module that assigns module.exports itself, are left as they are
    expect(esModuleNamespace({ default: config })).toEqual({ default: config })
  })

  it('reports a module without a default export', async () => {
    await writeFile(join(dir, 'sluice.config.mjs'), 'export const config = {}\n')
    const error = await rejection(loadProject(dir, { cwd: dir }))
    expect(error.issues.map((i) => i.message)).toEqual([
      'sluice.config.mjs: expected a default export: export default defineConfig({ … }), found no default export (exports: config)',
    ])
  })

  it('reports a module that fails to load, keeping the cause', async () => {
    await writeFile(join(dir, 'sluice.config.mjs'), "import './missing.mjs'\nexport default {}\n")
    const error = await rejection(loadProject(dir, { cwd: dir }))
    expect(error.issues[0]?.message).toMatch(
      /^sluice\.config\.mjs: expected a module that loads, found .*missing\.mjs/,
    )
    expect(error.cause).toBeInstanceOf(Error)
  })
})

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}
