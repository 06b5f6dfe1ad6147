import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice } from './helpers/cli.js'
import { type Fakes, runsOf, sampleProject, startFakes } from './helpers/project.js'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let fakes: Fakes
let project: Awaited<ReturnType<typeof sampleProject>>
let schema: string
beforeEach(async () => {
  fakes = await startFakes()
  project = await sampleProject(800, 'sluice-pgstate-')
  schema = `sluice_runner_${process.pid}_${Date.now().toString(36)}`
  const configPath = join(project.path, 'sluice.json')
  const config = JSON.parse(await readFile(configPath, 'utf8'))
  config.settings = { ...config.settings, state: { backend: 'postgres', url: '${env:STATE_URL}', schema } }
  await writeFile(configPath, JSON.stringify(config, null, 2))
})
afterEach(async () => {
  await fakes.close()
  await project.remove()
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

const cli = (args: string[]) =>
  sluice(args, { cwd: project.path, env: { ...fakes.env, STATE_URL: DATABASE_URL } })

describe('settings.state.backend: postgres', () => {
  it('keeps snapshots and the run ledger in the bookkeeping schema, and the next run sends only what changed', async () => {
    const first = runsOf((await cli(['run', 'customers_to_braze', '--json'])).stdout)[0]!
    expect(first.status).toBe('partially_succeeded')
    expect(first.counts.succeeded).toBeGreaterThan(0)
    expect(existsSync(join(project.path, '.sluice/state'))).toBe(false)

    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    try {
      const snapshot = await client.query(`SELECT count(hash)::int AS n FROM "${schema}".snapshot`)
      expect(snapshot.rows[0].n).toBe(first.counts.succeeded)
      const runs = await client.query(`SELECT id, status FROM "${schema}".runs`)
      expect(runs.rows).toEqual([{ id: first.runId, status: 'partially_succeeded' }])
    } finally {
      await client.end()
    }

    const again = runsOf((await cli(['run', 'customers_to_braze', '--json'])).stdout)[0]!
    expect(again.counts.changed).toBe(0)
    expect(again.counts.added).toBe(first.counts.rejected)

    const listed = runsOf((await cli(['runs', 'customers_to_braze', '--json'])).stdout)
    expect(listed.map((r) => r.runId)).toEqual([again.runId, first.runId])
    const status = await cli(['status'])
    expect(status.stdout).toMatch(/customers_to_braze +partially succeeded/)
  }, 900_000)

  it('says which database it could not reach, without the password', async () => {
    const result = await sluice(['runs'], {
      cwd: project.path,
      env: { ...fakes.env, STATE_URL: 'postgres://sluice:hunter2-secret@127.0.0.1:1/x' },
    })
    expect(result.code).toBe(1)
    expect(`${result.stdout}${result.stderr}`).toMatch(/ECONNREFUSED/)
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2-secret')
  }, 900_000)
})
