import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { FaultyFake } from '../src/fake.js'
import { ledgerRuns, project, sluice, startRun } from '../src/soak.js'

const ROWS = 20_000
// The soak connector's limits: 100 records a request, 4 requests in flight.
const BATCH = 100
const CONCURRENCY = 4

let dir: string
let fake: FaultyFake

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-crash-'))
  // No faults, no refusals: every record the fake applies is acknowledged.
  fake = new FaultyFake(() => 0.999, Number.MAX_SAFE_INTEGER)
  const url = await fake.start()
  const warehouse = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'))
  const connection = await warehouse.connect()
  await connection.run(`CREATE TABLE people AS
    SELECT range AS id, 'user' || range || '@example.com' AS email, 'name ' || range AS name,
           (range % 1000)::INTEGER AS score
    FROM range(1, ${ROWS + 1})`)
  connection.closeSync()
  warehouse.closeSync()
  await project(dir, url)
})

afterAll(async () => {
  await fake.stop()
  await rm(dir, { recursive: true, force: true })
})

const writes = () => [...fake.writes.values()].reduce((a, b) => a + b, 0)

test('after a SIGKILL the next run resends at most the requests in flight, and the killed run keeps its acknowledged rows', async () => {
  // Killed once the fake has had 124 of its 200 requests: past two commit groups of 5,000 and well
  // into the third, so whatever the killed run had not yet committed is at stake.
  const killed = startRun(dir)
  await Promise.race([
    fake.received(124),
    killed.done.then(() => {
      throw new Error('the run finished before it could be killed')
    }),
  ])
  killed.process.kill('SIGKILL')
  await killed.done
  const writtenByKilled = writes()
  expect(writtenByKilled).toBeGreaterThanOrEqual(124 * BATCH)

  const next = startRun(dir)
  const { stdout } = await next.done
  const result = JSON.parse(
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1) ?? '{}',
  )
  expect(result.status).toBe('succeeded')
  expect(fake.records.size).toBe(ROWS)

  // Every record the fake applied during the killed run and again in the next one was written twice:
  // at most the records of the requests that were in flight when it was killed.
  const resent = writes() - ROWS
  console.log(`killed after ${writtenByKilled} record writes; the next run resent ${resent}`)
  expect(resent).toBeLessThanOrEqual(CONCURRENCY * BATCH)

  // The killed run's acknowledged rows are in the lake under its own id.
  const killedRun = (await ledgerRuns(dir, 5)).find((r) => r.runId !== result.runId)
  expect(killedRun?.status).toBe('incomplete')
  const exported = join(dir, 'killed.jsonl')
  await cli(['records', killedRun?.runId ?? '', '--status', 'succeeded', '--export', exported])
  const shown = (await readFile(exported, 'utf8')).split('\n').filter((l) => l.length > 0)
  expect(shown.length).toBeGreaterThanOrEqual(writtenByKilled - CONCURRENCY * BATCH)
  expect(shown.length + resent).toBe(writtenByKilled)
}, 300_000)

async function cli(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await sluice(dir, args).done
  if (code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${code}: ${stderr}`)
  return stdout
}
