import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'
import { linkPackages } from './helpers/project.js'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
let dir: Awaited<ReturnType<typeof tempDir>>

const project = (settings: Record<string, unknown>) => ({
  settings,
  sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
  destinations: { echo: { type: 'echo', config: {} } },
  models: { customers: { source: 'warehouse', table: 'customers' } },
  syncs: {
    contacts: {
      model: 'customers',
      destination: 'echo',
      object: 'records',
      behaviour: 'upsert',
      identifier: { column: 'id', field: 'id' },
    },
  },
})

beforeAll(async () => {
  dir = await tempDir('sluice-worker-settings-')
  await linkPackages(dir.path, ['connectors/source-duckdb'])
  await mkdir(join(dir.path, 'node_modules', '@acme'), { recursive: true })
  await cp(
    join(FIXTURES, 'destination-echo'),
    join(dir.path, 'node_modules', '@acme', 'sluice-destination-echo'),
    {
      recursive: true,
    },
  )
})
afterAll(() => dir?.remove())

it('validate refuses settings.workers without the postgres state, and says why', async () => {
  await writeFile(join(dir.path, 'sluice.json'), JSON.stringify(project({ workers: { leaseSeconds: 10 } })))
  const result = await sluice(['validate'], { cwd: dir.path })
  expect(result.code).not.toBe(0)
  expect(result.stdout + result.stderr).toContain('/settings/workers')
  expect(result.stdout + result.stderr).toContain('settings.state.backend "postgres"')
}, 120_000)

it('sluice worker refuses the embedded state, and says what to set', async () => {
  await writeFile(join(dir.path, 'sluice.json'), JSON.stringify(project({})))
  const result = await sluice(['worker'], { cwd: dir.path })
  expect(result.code).not.toBe(0)
  expect(result.stderr).toContain('workers need the state in PostgreSQL')
}, 120_000)
