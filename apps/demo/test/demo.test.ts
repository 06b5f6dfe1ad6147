import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Manifest } from '@sluice/destination-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, sluice } from './helpers/cli.js'
import { folderWithDemo, type RunJson, runsOf } from './helpers/project.js'

let dir: Awaited<ReturnType<typeof folderWithDemo>>
let demoDir: string
let demo: CliResult
/** the demo's runs, newest first */
let runs: RunJson[]

// No credentials in the environment: the demo must bring its own fake APIs.
const noCredentials = Object.fromEntries(
  [
    'BRAZE_API_KEY',
    'BRAZE_INSTANCE_URL',
    'SALESFORCE_LOGIN_URL',
    'SALESFORCE_CLIENT_ID',
    'SALESFORCE_REFRESH_TOKEN',
    'SHEETS_SPREADSHEET_ID',
    'SHEETS_CLIENT_ID',
    'SHEETS_CLIENT_SECRET',
    'SHEETS_REFRESH_TOKEN',
  ].map((name) => [name, undefined]),
)

beforeAll(async () => {
  dir = await folderWithDemo('sluice-demo-')
  demoDir = join(dir.path, 'try-sluice')
  demo = await sluice(['demo', demoDir, '--customers', '2000'], {
    cwd: dir.path,
    env: noCredentials,
  })
  runs = runsOf((await sluice(['runs', '--json'], { cwd: demoDir })).stdout)
}, 900_000)
afterAll(() => dir.remove())

const SHEET_SYNC = 'customers_to_sheet'
const FILES_SYNC = 'customers_to_s3'
/** a sync's runs, oldest first */
const runsOfSync = (sync: string) => runs.filter((r) => r.sync === sync).reverse()

describe('sluice demo', () => {
  it('runs green on a machine without credentials', () => {
    expect(demo.stderr).toBe('')
    expect(demo.code).toBe(0)
    expect(demo.stdout).toContain('2,000 customers')
    expect(demo.stdout).toMatch(/braze +fake API on http:\/\/127\.0\.0\.1:\d+/)
    expect(demo.stdout).toMatch(/salesforce +fake API on http:\/\/127\.0\.0\.1:\d+/)
    expect(demo.stdout).toMatch(/sheets +fake API on http:\/\/127\.0\.0\.1:\d+/)
    expect(demo.stdout).toMatch(/s3 +local folder \S*exports /)
    expect(demo.stdout).toMatch(/http +fake API on http:\/\/127\.0\.0\.1:\d+/)
    expect(demo.stdout).toContain('demo finished')
  })

  it('runs every sync twice, the second time incrementally', () => {
    expect(runs).toHaveLength(10)
    const [firstBraze, secondBraze] = runsOfSync('customers_to_braze')
    const [firstSalesforce, secondSalesforce] = runsOfSync('contacts_to_salesforce')
    for (const first of [
      firstBraze!,
      firstSalesforce!,
      ...[SHEET_SYNC, FILES_SYNC].map((s) => runsOfSync(s)[0]!),
    ]) {
      expect(first.counts.queried).toBe(2000)
      expect(first.counts.changed).toBe(0)
      expect(first.counts.invalid).toBeGreaterThan(0)
      expect(first.status).toBe('partially_succeeded')
    }
    for (const first of [firstBraze!, firstSalesforce!]) expect(first.counts.rejected).toBeGreaterThan(0)
    // inserts, updates and deletes reach the second run; Braze's mirror deletes the customers who left
    expect(secondBraze!.counts.changed).toBeGreaterThan(0)
    expect(secondBraze!.counts.removed).toBeGreaterThan(0)
    expect(secondBraze!.counts.added).toBeLessThan(firstBraze!.counts.added / 5)
    expect(secondBraze!.counts.succeededByOperation.delete).toBe(secondBraze!.counts.removed)
    expect(secondSalesforce!.counts.changed).toBeGreaterThan(0)
  })

  it('keeps a sheet and diff-mode parquet files that hold the same customers', async () => {
    expect(demo.stdout).toMatch(/sheet +\S*fake-sheet\.csv \(tab Customers/)
    expect(demo.stdout).toMatch(/files +\S*exports \(parquet/)
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    const rows = async (sql: string) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, string | null>>
    try {
      // The files, as a reader folds them: runs in order, added and changed rows in, removed rows out.
      const exports = join(demoDir, 'exports')
      const manifests = (await readdir(exports, { recursive: true }))
        .filter((name) => name.endsWith('manifest.json'))
        .map((name) => join(exports, name))
      const runsWritten = await Promise.all(
        manifests.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as Manifest),
      )
      runsWritten.sort((a, b) => a.run.localeCompare(b.run))
      expect(runsWritten.map((m) => m.mode)).toEqual(['diff', 'diff'])
      const held = new Map<string, Record<string, string | null>>()
      for (const manifest of runsWritten) {
        for (const file of manifest.files) {
          const found = await rows(`SELECT * FROM read_parquet('${join(exports, file.key)}')`)
          expect(found).toHaveLength(file.rows)
          for (const row of found) {
            if (file.operation === 'removed') held.delete(row.customer_id!)
            else held.set(row.customer_id!, row)
          }
        }
      }
      // What each run wrote is what the engine counted for it.
      const [first, second] = runsOfSync(FILES_SYNC)
      const rowsOf = (m: Manifest, op: string) =>
        m.files.filter((f) => f.operation === op).reduce((sum, f) => sum + f.rows, 0)
      expect(rowsOf(runsWritten[0]!, 'added')).toBe(first!.counts.succeeded)
      expect(rowsOf(runsWritten[1]!, 'added')).toBe(second!.counts.added)
      expect(rowsOf(runsWritten[1]!, 'changed')).toBe(second!.counts.changed)
      expect(rowsOf(runsWritten[1]!, 'removed')).toBe(second!.counts.removed)
      expect(second!.counts.removed).toBeGreaterThan(0)

      // The sheet, as the fake spreadsheet holds it: a header row the connector owns, then a row each.
      const sheet = await rows(
        `SELECT * FROM read_csv('${join(demoDir, 'fake-sheet.csv')}', header = true, all_varchar = true)`,
      )
      expect(Object.keys(sheet[0]!)[0]).toBe('customer_id')
      expect(sheet).toHaveLength(held.size)
      for (const row of sheet) {
        const file = held.get(row.customer_id!)
        expect(file, `${row.customer_id} is in the sheet but not in the files`).toBeDefined()
        expect(row.email).toBe(file!.email)
        expect(row.plan).toBe(file!.plan)
        expect(Number(row.lifetime_value).toFixed(2)).toBe(file!.lifetime_value)
      }
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })

  it('says where the lake is and how to query it, and the query works', async () => {
    const lake = join(demoDir, '.sluice', 'lake')
    expect(demo.stdout).toContain(
      `read_parquet('${lake}/sync_tracking_datasets/*/*/*/*.parquet', union_by_name=True)`,
    )
    // the query as printed, run as a user would paste it
    const lines = demo.stdout.split('\n')
    const at = lines.findIndex((l) => l.trim().startsWith('SELECT status_reason'))
    const sql = lines.slice(at, at + 3).join('\n')
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    const groups = (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>
    connection.closeSync()
    instance.closeSync()
    const email = groups.find((g) => g.status_reason === "'email' is not a valid email address")
    const ids = Object.values(email ?? {}).find(Array.isArray) as string[]
    expect(ids.length).toBeGreaterThan(0)
    expect(demo.stdout).toMatch(
      new RegExp(`${ids.length.toLocaleString('en-US')} +'email' is not a valid email address`),
    )
    const orgs = await readdir(join(lake, 'sync_tracking_datasets'))
    expect(orgs).toEqual(['sluice-demo'])
    expect(existsSync(join(demoDir, '.sluice', 'state'))).toBe(true)
  })

  it('starts afresh when run again in its own folder, and refuses a folder it did not make', async () => {
    const again = await sluice(['demo', demoDir, '--customers', '500'], { cwd: dir.path })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('500 customers')
    runs = runsOf((await sluice(['runs', '--json'], { cwd: demoDir })).stdout)
    expect(runs).toHaveLength(10)

    const taken = join(dir.path, 'taken')
    await mkdir(taken)
    await writeFile(join(taken, 'notes.txt'), 'mine')
    const refused = await sluice(['demo', taken], { cwd: dir.path })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('is not a Sluice demo folder')
    expect(await readFile(join(taken, 'notes.txt'), 'utf8')).toBe('mine')
  }, 900_000)

  it('keeps the fake APIs up with --serve, for test-row and sluice serve from another terminal', async () => {
    const served = join(dir.path, 'served')
    let output = ''
    let demo: ChildProcess | undefined
    let ready: () => void = () => {}
    const fakesUp = new Promise<void>((resolve) => {
      ready = resolve
    })
    const demoRun = sluice(['demo', served, '--customers', '300', '--serve'], {
      cwd: dir.path,
      env: noCredentials,
      onSpawn: (child) => {
        demo = child
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          // the last line the demo prints before it waits for Ctrl-C
          if (output.includes('the REST API on 127.0.0.1')) ready()
        })
      },
    })
    await Promise.race([fakesUp, demoRun])
    expect(output).toContain('The fake APIs keep running until Ctrl-C.')
    expect(output).toContain('sluice serve')
    try {
      // what `. ./fake-apis.env` sets in a shell
      const sourced = await readFile(join(served, 'fake-apis.env'), 'utf8')
      const env = Object.fromEntries(
        [...sourced.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]),
      )
      expect(Object.keys(env)).toContain('BRAZE_API_KEY')
      const tried = await sluice(['test-row', 'customers_to_braze', '--id', 'cus_0000001'], {
        cwd: served,
        env,
      })
      expect(tried.code).toBe(0)
      expect(tried.stdout).toContain('✔ succeeded')
      // the DECIMAL column is cast: Braze gets a number, not text
      expect(tried.stdout).toMatch(/"lifetime_value": \d+(\.\d+)?,/)

      // sluice serve runs the demo on its schedules: the first sync on an interval (shortened here, as
      // a user trying it would), every other one after it.
      const config = JSON.parse(await readFile(join(served, 'sluice.json'), 'utf8'))
      const syncs = Object.keys(config.syncs)
      expect(config.syncs[syncs[0]!].schedule).toEqual({ type: 'interval', every: '15m' })
      for (const name of syncs.slice(1))
        expect(config.syncs[name].schedule).toEqual({ type: 'after', sync: syncs[0] })
      config.syncs[syncs[0]!].schedule = { type: 'interval', every: '30s' }
      await writeFile(join(served, 'sluice.json'), JSON.stringify(config, null, 2))
      const runs = await servedRuns(served, env, syncs, 3)
      // the demo ran every sync twice; the first run serve made of the first sync came third
      const firstServed = [...runs.get(syncs[0]!)!].reverse()[2]!
      for (const name of syncs.slice(1)) {
        const after = runs.get(name)![0]!
        expect(Date.parse(after.startedAt)).toBeGreaterThanOrEqual(Date.parse(firstServed.endedAt!))
      }
    } finally {
      demo?.kill('SIGINT')
    }
    const ended = await demoRun
    expect(ended.code).toBe(0)
    // the variables go with the fakes they point at
    expect(existsSync(join(served, 'fake-apis.env'))).toBe(false)
  }, 900_000)
})

interface ServedRun {
  runId: string
  sync: string
  status: string
  startedAt: string
  endedAt?: string
}

/**
 * Runs `sluice serve` in a project until every sync has `count` finished runs, and returns each sync's
 * runs, newest first, as the REST API lists them.
 */
async function servedRuns(
  cwd: string,
  env: Record<string, string>,
  syncs: readonly string[],
  count: number,
): Promise<Map<string, ServedRun[]>> {
  let serve: ChildProcess | undefined
  let url: string | undefined
  let log = ''
  const serving = sluice(['serve', '--port', '0'], {
    cwd,
    env,
    onSpawn: (child) => {
      serve = child
      const read = (chunk: Buffer) => {
        log += chunk.toString()
        url ??= /listening on (http:\/\/\S+)/.exec(log)?.[1]
      }
      child.stdout!.on('data', read)
      child.stderr!.on('data', read)
    },
  })
  try {
    for (;;) {
      if (serve?.exitCode !== null && serve?.exitCode !== undefined)
        throw new Error(`sluice serve exited:\n${log}`)
      if (url) {
        const { runs } = (await (await fetch(`${url}/api/runs?limit=100`)).json()) as { runs: ServedRun[] }
        const bySync = new Map(syncs.map((sync) => [sync, runs.filter((r) => r.sync === sync && r.endedAt)]))
        if ([...bySync.values()].every((list) => list.length >= count)) return bySync
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  } finally {
    serve?.kill('SIGTERM')
    await serving
  }
}
