import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'
import { linkPackages, runsOf } from './helpers/project.js'
import { S3RVER_CREDENTIALS, startS3rver } from './helpers/s3rver.js'

/**
 * `settings.lake.s3`: a project whose tracking lake is a bucket on a real S3-compatible server, with
 * credentials from the AWS environment, and the history commands reading it back.
 */
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
let server: Awaited<ReturnType<typeof startS3rver>>
let dir: Awaited<ReturnType<typeof tempDir>>
let env: Record<string, string>
let runId: string

beforeAll(async () => {
  server = await startS3rver(['sluice-lake'])
  dir = await tempDir('sluice-lake-s3-')
  const instance = await DuckDBInstance.create(join(dir.path, 'warehouse.duckdb'))
  const connection = await instance.connect()
  // 50 people, one without an id and one id twice: both are invalid rows the lake records.
  await connection.run(`CREATE TABLE people AS
    SELECT CASE WHEN i = 7 THEN NULL WHEN i = 8 THEN 'p9' ELSE 'p' || i END AS id, 'person ' || i AS name
    FROM range(1, 51) t(i)`)
  connection.closeSync()
  instance.closeSync()
  await mkdir(join(dir.path, 'node_modules', '@acme'), { recursive: true })
  await cp(
    join(FIXTURES, 'destination-echo'),
    join(dir.path, 'node_modules', '@acme', 'sluice-destination-echo'),
    {
      recursive: true,
    },
  )
  await linkPackages(dir.path, ['packages/core', 'connectors/source-duckdb'])
  await writeFile(
    join(dir.path, 'sluice.json'),
    JSON.stringify({
      name: 'lake-on-s3',
      sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
      destinations: { echo: { type: 'echo', config: {} } },
      models: { people: { source: 'warehouse', sql: 'SELECT * FROM people' } },
      syncs: {
        people_to_echo: {
          model: 'people',
          destination: 'echo',
          object: 'records',
          behaviour: 'upsert',
          identifier: { column: 'id', field: 'id' },
          mappings: [{ from: 'name', to: 'name' }],
        },
      },
      settings: { lake: { s3: { bucket: 'sluice-lake', prefix: 'tracking', endpoint: server.endpoint } } },
    }),
  )
  env = {
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
  const run = await sluice(['run', 'people_to_echo', '--json'], { cwd: dir.path, env, timeoutMs: 120_000 })
  expect(run.code, run.stderr).toBe(2)
  runId = runsOf(run.stdout)[0]!.runId
}, 180_000)
afterAll(async () => {
  await server?.stop()
  await dir?.remove()
})

describe('a tracking lake in S3', { timeout: 300_000 }, () => {
  it('lists and shows the run from the bucket', async () => {
    const runs = await sluice(['runs', 'people_to_echo'], { cwd: dir.path, env })
    expect(runs.code).toBe(0)
    expect(runs.stdout).toContain(runId)
    const show = await sluice(['runs', 'show', runId], { cwd: dir.path, env })
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toMatch(/DUPLICATE/)
    expect(show.stdout).toMatch(/NULL/)
  })

  it('filters, searches and exports records read from the bucket', async () => {
    const invalid = await sluice(['records', runId, '--status', 'DUPLICATE', '--json'], {
      cwd: dir.path,
      env,
    })
    expect(invalid.code, invalid.stderr).toBe(0)
    expect(invalid.stdout).toContain('"p9"')
    const found = await sluice(['records', runId, '--search', 'p42', '--json'], { cwd: dir.path, env })
    expect(found.stdout).toContain('"p42"')
    expect(found.stdout).toContain('person 42')
    expect(found.stdout).not.toContain('"p41"')
    const file = join(dir.path, 'succeeded.csv')
    const exported = await sluice(['records', runId, '--status', 'succeeded', '--export', file], {
      cwd: dir.path,
      env,
    })
    expect(exported.code, exported.stderr).toBe(0)
    // 50 rows: one NULL, two with id p9 (both DUPLICATE), 47 sent and acknowledged; plus the header.
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(48)
  })

  it('fails clearly when the AWS key is not one the store knows, naming the bucket', async () => {
    const result = await sluice(['runs', 'show', runId], {
      cwd: dir.path,
      env: { ...env, AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN', AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/S3 refused to .* in s3:\/\/sluice-lake\/tracking\/: InvalidAccessKeyId/)
    expect(result.stderr).not.toContain('not-the-secret')
  })
})
