import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { runSync } from '@sluice/core'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type StateLocation, stateLocation } from './backends.js'
import { MemoryDestination } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '../../..')
const child = join(here, 'fixtures/sync-child.ts')
const ROWS = 240

let dir: string
let modelDb: string
let location: StateLocation
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-crash-'))
  location = stateLocation(dir)
  modelDb = join(dir, 'model.duckdb')
  await writeModel(`SELECT range AS id, 'user' || range || '@x.io' AS email FROM range(${ROWS})`)
})
afterEach(async () => {
  await location.drop()
  rmSync(dir, { recursive: true, force: true })
})

async function writeModel(select: string) {
  const instance = await DuckDBInstance.create(modelDb)
  const connection = await instance.connect()
  await connection.run(`CREATE OR REPLACE TABLE people AS ${select}`)
  connection.closeSync()
  instance.closeSync()
}

interface Ack {
  pid: number
  op: string
  id: string
  fields: { id: number; email?: string }
}

function readAcks(path: string): Ack[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Ack)
}

function startChild(env: Record<string, string>): {
  process: ChildProcess
  acks: () => number
  done: Promise<string>
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@sluice/source', child], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...location.env,
      MODEL_DB: modelDb,
      ACK_LOG: join(dir, 'acks.jsonl'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let acks = 0
  proc.stdout?.on('data', (data: Buffer) => {
    out += data.toString()
    acks = (out.match(/^ack /gm) ?? []).length
  })
  proc.stderr?.on('data', (data: Buffer) => {
    err += data.toString()
  })
  const done = new Promise<string>((resolve, reject) => {
    proc.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(out)
      else reject(new Error(`child exited with ${code ?? signal}: ${err}`))
    })
  })
  return { process: proc, acks: () => acks, done }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000) {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('crash safety', () => {
  for (const killAfter of [1, 4, 9, 17]) {
    it(`a run killed after ${killAfter} answered requests resumes without losing or resending committed rows`, async () => {
      const settings = { BATCH_SIZE: '10', CONCURRENCY: '2', COMMIT_SIZE: '20', DELAY_MS: '15' }
      const first = startChild(settings)
      await until(() => first.acks() >= killAfter, `${killAfter} acks`)
      first.process.kill('SIGKILL')
      await first.done
      const firstAcks = readAcks(join(dir, 'acks.jsonl'))

      const store = location.open()
      const committed = new Set((await store.snapshotEntries('crash_sync')).map((e) => e.identifier))
      const [killed] = await store.listRuns({ sync: 'crash_sync' })
      expect(killed?.status).toBe('incomplete')
      await store.close()
      // Only acknowledged rows were committed.
      const firstIds = new Set(firstAcks.map((a) => a.id))
      for (const id of committed) expect(firstIds.has(id)).toBe(true)
      // Two commit groups (2 requests each) may be open at once, and a third starts only once one of
      // them is committed: from the fifth answer on, something must have been committed.
      if (killAfter > 4) expect(committed.size).toBeGreaterThan(0)

      const second = startChild(settings)
      const out = await second.done
      expect(out).toMatch(/done \S+ succeeded/)
      const secondAcks = readAcks(join(dir, 'acks.jsonl')).filter((a) => a.pid === second.process.pid)

      // Nothing committed by the killed run is sent again…
      expect(secondAcks.filter((a) => committed.has(a.id))).toEqual([])
      // …only what was in flight (acknowledged but not yet committed) repeats: at most two open commit groups.
      const repeated = secondAcks.filter((a) => firstIds.has(a.id))
      expect(repeated.length).toBeLessThanOrEqual(2 * 20)
      // The destination equals the model: every row, no row lost, the right data.
      const destination = new Map<string, Ack['fields']>()
      for (const ack of readAcks(join(dir, 'acks.jsonl'))) destination.set(ack.id, ack.fields)
      expect(destination.size).toBe(ROWS)
      for (let i = 0; i < ROWS; i++)
        expect(destination.get(String(i))).toEqual({ id: i, email: `user${i}@x.io` })

      // A third run finds nothing to do.
      const third = startChild(settings)
      await third.done
      expect(readAcks(join(dir, 'acks.jsonl')).filter((a) => a.pid === third.process.pid)).toEqual([])
    }, 120_000)
  }
})

function replay(acks: readonly Ack[]): Map<string, Ack['fields']> {
  const destination = new Map<string, Ack['fields']>()
  for (const ack of acks) {
    if (ack.op === 'delete') destination.delete(ack.id)
    else destination.set(ack.id, ack.fields)
  }
  return destination
}

describe('crash safety with changes and removals', () => {
  for (const killAfter of [3, 12]) {
    it(`a mirror run of changes and deletes killed after ${killAfter} requests converges on the model`, async () => {
      const settings = { BATCH_SIZE: '10', CONCURRENCY: '2', COMMIT_SIZE: '20', DELAY_MS: '15' }
      await startChild(settings).done
      // 60 rows leave the model, 60 change, 30 arrive.
      await writeModel(`SELECT range AS id,
          CASE WHEN range % 4 = 1 THEN 'changed' || range || '@x.io' ELSE 'user' || range || '@x.io' END AS email
        FROM range(${ROWS + 30}) WHERE range % 4 <> 2`)
      const acksBefore = readAcks(join(dir, 'acks.jsonl')).length
      const snapshot = async () => {
        const store = location.open()
        const entries = new Map(
          (await store.snapshotEntries('crash_sync')).map((e) => [e.identifier, e.hash]),
        )
        await store.close()
        return entries
      }
      const before = await snapshot()
      const killed = startChild(settings)
      await until(() => killed.acks() >= killAfter, `${killAfter} acks`)
      killed.process.kill('SIGKILL')
      await killed.done
      const after = await snapshot()
      const killedAcks = readAcks(join(dir, 'acks.jsonl')).slice(acksBefore)

      const resumed = startChild(settings)
      await resumed.done
      const resumedAcks = readAcks(join(dir, 'acks.jsonl')).filter((a) => a.pid === resumed.process.pid)
      // A row whose new state was committed (a delete that left the snapshot, an upsert with its new
      // hash) is not sent again.
      for (const ack of killedAcks) {
        const wasCommitted =
          ack.op === 'delete' ? !after.has(ack.id) : after.get(ack.id) !== before.get(ack.id)
        if (wasCommitted) expect(resumedAcks.filter((a) => a.id === ack.id && a.op === ack.op)).toEqual([])
      }
      const destination = replay(readAcks(join(dir, 'acks.jsonl')))
      const expected = new Map<string, Ack['fields']>()
      for (let i = 0; i < ROWS + 30; i++) {
        if (i % 4 === 2) continue
        expected.set(String(i), { id: i, email: i % 4 === 1 ? `changed${i}@x.io` : `user${i}@x.io` })
      }
      expect(destination).toEqual(expected)
    }, 120_000)
  }
})

describe('run lock across processes', () => {
  it('refuses a run while another process runs the sync, and takes over once that process is gone', async () => {
    const running = startChild({ BATCH_SIZE: '1', CONCURRENCY: '1', COMMIT_SIZE: '1', DELAY_MS: '50' })
    await until(() => running.acks() >= 1, 'the first request')
    const store = location.open()
    const source = connectDuckDB({ path: modelDb, readOnly: true })
    const attempt = () =>
      runSync({
        syncName: 'crash_sync',
        sync: {
          model: 'people',
          destination: 'memory',
          object: 'contacts',
          behaviour: 'mirror',
          identifier: { column: 'id', field: 'id' },
          mappings: [{ from: 'email', to: 'email' }],
        },
        model: { source: 'warehouse', table: 'people' },
        source,
        sourceCapabilities: duckdb.capabilities,
        destination: new MemoryDestination(),
        destinationCapabilities: { behaviours: ['mirror'], batchSize: 50, concurrency: 1 },
        state: store,
      })
    try {
      await expect(attempt()).rejects.toThrow(
        new RegExp(`sync "crash_sync" is already running: run \\S+ \\(pid ${running.process.pid} on `),
      )
      // The CLI can read the ledger and the snapshot while the other process runs.
      const [live] = await store.listRuns({ sync: 'crash_sync' })
      expect(live?.status).toBe('in_progress')
      expect((await store.snapshotSummary('crash_sync')).rows).toBeGreaterThanOrEqual(0)
      const overview = await store.syncOverview({
        crash_sync: {
          model: 'people',
          destination: 'memory',
          object: 'contacts',
          behaviour: 'mirror',
          identifier: { column: 'id', field: 'id' },
        },
      })
      expect(overview[0]?.health).toBe('in_progress')

      running.process.kill('SIGKILL')
      await running.done
      const { run } = await attempt()
      expect(run.status).toBe('succeeded')
      const killed = await store.getRun('crash_sync', live?.id ?? '')
      expect(killed?.status).toBe('incomplete')
      expect(killed?.error?.message).toMatch(/stopped before it finished/)
    } finally {
      running.process.kill('SIGKILL')
      await store.close()
      await source.close?.()
    }
  }, 120_000)
})
