import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, sluice, tempDir } from './helpers/cli.js'
import { jsonLines, linkPackages } from './helpers/project.js'
import { eventually, type Served, startServe } from './helpers/serve.js'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const FINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'incomplete', 'cancelled'])
const SYNCS = Array.from({ length: 20 }, (_, i) => `sync_${i}`)
const ROWS = 20
const BIG_ROWS = 150
/** the store's quota, which the destination declares: shared by every worker through Redis */
const QUOTA = { requests: 8, perMs: 500 }
const API_KEY = `store-key-${randomBytes(6).toString('hex')}`

const id = `${process.pid}_${randomBytes(4).toString('hex')}`
const warehouse = `sluice_wh_${id}`
const stateSchema = `sluice_workers_${id}`

/** A loopback store: records by object and id, and when each request arrived. */
interface Store {
  url: string
  objects: Map<string, Map<string, Record<string, unknown>>>
  arrivals: Array<{ object: string; at: number }>
  close(): Promise<void>
}

async function startStore(slowObject: string): Promise<Store> {
  const objects = new Map<string, Map<string, Record<string, unknown>>>()
  const arrivals: Store['arrivals'] = []
  const server: Server = createServer(async (req, res) => {
    const object = /^\/objects\/([^/]+)$/.exec(req.url ?? '')?.[1]
    if (req.method !== 'POST' || !object || req.headers.authorization !== `Bearer ${API_KEY}`) {
      res.writeHead(404).end()
      return
    }
    arrivals.push({ object, at: Date.now() })
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    // the slow object keeps a run busy long enough to be caught in flight
    if (object === slowObject) await new Promise((done) => setTimeout(done, 100))
    const records = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Record<string, unknown>>
    const stored = objects.get(object) ?? new Map()
    for (const record of records) stored.set(String(record.id), record)
    objects.set(object, stored)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    arrivals,
    close: () => new Promise((done) => server.close(() => done())),
  }
}

interface Worker {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
}

/** Starts the real `sluice worker` and waits until it is ready. */
function startWorker(cwd: string, env: Record<string, string>): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'worker'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)))
    const worker = { child, output: () => out, exited }
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('ready')) resolve(worker)
    })
    exited.then((code) => reject(new Error(`sluice worker exited with ${code} before it was ready:\n${out}`)))
  })
}

/** The most arrivals in any span of `windowMs` (half-open, as an API counts its window). */
function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

const model = (rows: number) =>
  new Map(
    Array.from({ length: rows }, (_, i) => [String(i + 1), { id: String(i + 1), email: `u${i + 1}@x.io` }]),
  )

let dir: Awaited<ReturnType<typeof tempDir>>
let db: pg.Client
let store: Store
let served: Served | undefined
const workers: Worker[] = []
const env = { STORE_KEY: API_KEY }

async function runsOf(sync?: string): Promise<Array<{ id: string; sync: string; status: string }>> {
  const result = await db.query<{ id: string; sync: string; status: string }>(
    `SELECT id, sync, status FROM "${stateSchema}".runs ${sync ? 'WHERE sync = $1' : ''} ORDER BY id`,
    sync ? [sync] : [],
  )
  return result.rows
}

beforeAll(async () => {
  dir = await tempDir('sluice-workers-')
  db = new pg.Client({ connectionString: DATABASE_URL })
  await db.connect()
  await db.query(`CREATE SCHEMA "${warehouse}"`)
  for (const [table, rows] of [
    ['customers', ROWS],
    ['big', BIG_ROWS],
  ] as const) {
    await db.query(
      `CREATE TABLE "${warehouse}".${table} AS SELECT i::text AS id, 'u' || i || '@x.io' AS email FROM generate_series(1, ${rows}) i`,
    )
  }
  store = await startStore('big')
  await linkPackages(dir.path, ['connectors/source-postgres', 'packages/core'])
  await mkdir(join(dir.path, 'node_modules', '@acme'), { recursive: true })
  await cp(
    join(FIXTURES, 'destination-store'),
    join(dir.path, 'node_modules', '@acme', 'sluice-destination-store'),
    {
      recursive: true,
    },
  )
  const sync = (model: string, object: string) => ({
    model,
    destination: 'store',
    object,
    behaviour: 'upsert',
    identifier: { column: 'id', field: 'id' },
    mappings: [{ from: 'email', to: 'email' }],
  })
  const config = {
    name: 'acme',
    settings: {
      state: { backend: 'postgres', url: DATABASE_URL, schema: stateSchema },
      workers: { leaseSeconds: 3 },
      rateLimits: { redis: REDIS_URL },
      maxConcurrentRuns: 8,
    },
    sources: { pg: { type: 'postgres', config: { url: DATABASE_URL } } },
    destinations: {
      store: { type: 'store', config: { url: store.url, apiKey: '${env:STORE_KEY}', ...QUOTA } },
    },
    models: {
      customers: { source: 'pg', table: `${warehouse}.customers` },
      big: { source: 'pg', table: `${warehouse}.big` },
    },
    syncs: {
      ...Object.fromEntries(SYNCS.map((name) => [name, sync('customers', `obj_${name}`)])),
      big_sync: sync('big', 'big'),
    },
  }
  await writeFile(join(dir.path, 'sluice.json'), JSON.stringify(config, null, 2))
  served = await startServe(dir.path, env)
  workers.push(...(await Promise.all([1, 2, 3].map(() => startWorker(dir.path, env)))))
}, 180_000)

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM')
  await Promise.all(workers.map((worker) => worker.exited))
  await served?.stop()
  await store?.close()
  await db.query(`DROP SCHEMA IF EXISTS "${warehouse}" CASCADE`)
  await db.query(`DROP SCHEMA IF EXISTS "${stateSchema}" CASCADE`)
  await db.query(`DROP SCHEMA IF EXISTS "${stateSchema}_queue" CASCADE`)
  await db.end()
  await dir?.remove()
}, 120_000)

describe('workers', () => {
  it('runs each of twenty triggered syncs exactly once across three workers, within the shared quota', async () => {
    for (const name of SYNCS) {
      const res = await fetch(`${served!.url}/api/syncs/${name}/runs`, { method: 'POST' })
      expect(res.status).toBe(202)
    }
    const runs = await eventually(
      'every sync to have finished its run',
      async () => {
        const rows = (await runsOf()).filter((r) => r.sync.startsWith('sync_'))
        return rows.length >= SYNCS.length && rows.every((r) => FINAL.has(r.status)) ? rows : undefined
      },
      240_000,
    )
    expect(runs.map((r) => r.sync).sort()).toEqual([...SYNCS].sort())
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true)
    const expected = model(ROWS)
    for (const name of SYNCS) expect(store.objects.get(`obj_${name}`)).toEqual(expected)
    // every worker writes with the same key: together they never exceed its quota at the store
    expect(
      busiest(
        store.arrivals.map((a) => a.at),
        QUOTA.perMs,
      ),
    ).toBeLessThanOrEqual(QUOTA.requests)
    // the ledger is shared: any process sees every worker's runs
    const listed = await sluice(['runs', '--json', '--limit', '100'], { cwd: dir.path, env })
    expect(listed.code).toBe(0)
    const seen = new Set(jsonLines<{ runId: string }>(listed.stdout).map((r) => r.runId))
    for (const run of runs) expect(seen.has(run.id)).toBe(true)
    // and so is the tracking lake: every row of a run, whichever worker ran it
    const tracked = await sluice(['records', runs[0]!.id, '--json', '--limit', '100'], { cwd: dir.path, env })
    expect(tracked.code).toBe(0)
    const rows = jsonLines<{ identifier: string; status: string }>(tracked.stdout)
    expect(rows.map((r) => r.identifier).sort()).toEqual([...model(ROWS).keys()].sort())
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true)
  }, 300_000)

  it('finishes the run of a worker killed mid-run on another worker, with no row lost', async () => {
    const res = await fetch(`${served!.url}/api/syncs/big_sync/runs`, { method: 'POST' })
    expect(res.status).toBe(202)
    await eventually('the store to receive the first batches', async () =>
      store.arrivals.filter((a) => a.object === 'big').length >= 3 ? true : undefined,
    )
    const running = workers.find((w) => w.output().includes('big_sync: running'))
    expect(running).toBeDefined()
    running!.child.kill('SIGKILL')
    await running!.exited
    const runs = await eventually(
      'the run to be taken over and finished',
      async () => {
        const rows = await runsOf('big_sync')
        return rows.some((r) => r.status === 'succeeded') ? rows : undefined
      },
      240_000,
    )
    expect(store.objects.get('big')).toEqual(model(BIG_ROWS))
    // the killed run is recorded incomplete; the takeover, under a new id, succeeded
    expect(runs.map((r) => r.status).sort()).toEqual(['incomplete', 'succeeded'])
    const survivors = workers.filter((w) => w !== running)
    expect(survivors.some((w) => /big_sync: running \S+ \(taking over/.test(w.output()))).toBe(true)
    expect(
      busiest(
        store.arrivals.map((a) => a.at),
        QUOTA.perMs,
      ),
    ).toBeLessThanOrEqual(QUOTA.requests)
  }, 300_000)

  it('elects one scheduler among serves, another when it dies, and serve --workers runs local workers', async () => {
    const second = await startServe(dir.path, env, ['--workers', '1'])
    await eventually('the local worker of the second serve', async () =>
      /worker \d+ ready/.test(second.output()) ? true : undefined,
    )
    await eventually('the first serve to lead', async () =>
      served!.output().includes('elected the scheduler') ? true : undefined,
    )
    expect(second.output()).not.toContain('elected the scheduler')
    served!.child.kill('SIGKILL')
    await served!.exited
    served = second
    await eventually('the second serve to be elected', async () =>
      second.output().includes('elected the scheduler') ? true : undefined,
    )
    const before = (await runsOf('sync_0')).length
    const res = await fetch(`${second.url}/api/syncs/sync_0/runs`, { method: 'POST' })
    expect(res.status).toBe(202)
    const runs = await eventually('the run asked of the second serve', async () => {
      const rows = await runsOf('sync_0')
      return rows.length > before && rows.every((r) => FINAL.has(r.status)) ? rows : undefined
    })
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
  }, 300_000)
})
