import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { type ClaimedJob, electLeader, type JobOutcome, openRunQueue, type RunQueue } from '../src/index.js'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const schemas: string[] = []
const opened: RunQueue[] = []

async function open(schema: string, leaseMs = 1_500): Promise<RunQueue> {
  const queue = await openRunQueue({ url: DATABASE_URL, schema, leaseMs, pollMs: 100 })
  opened.push(queue)
  return queue
}

function freshSchema(): string {
  const schema = `sluice_queue_test_${process.pid}_${randomBytes(4).toString('hex')}`
  schemas.push(schema)
  return schema
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

afterAll(async () => {
  await Promise.allSettled(opened.map((queue) => queue.close()))
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

describe('run queue', () => {
  it('runs each job once across several workers, and hands its outcome to the one waiting', async () => {
    const schema = freshSchema()
    const [producer, a, b] = await Promise.all([open(schema), open(schema), open(schema)])
    const seen: ClaimedJob[] = []
    const handler = async (job: ClaimedJob): Promise<JobOutcome> => {
      seen.push(job)
      await new Promise((done) => setTimeout(done, 20))
      return { runId: job.runId, status: 'succeeded' }
    }
    const workers = [a.work(handler, { name: 'a', concurrency: 2 }), b.work(handler, { name: 'b' })]
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        producer.enqueue({ sync: `sync_${i}`, runId: `run-${i}`, trigger: 'api' }),
      ),
    )
    const outcomes = await Promise.all(ids.map((id) => producer.outcome(id!)))
    expect(outcomes).toEqual(ids.map((_, i) => ({ runId: `run-${i}`, status: 'succeeded' })))
    expect(seen.map((job) => job.sync).sort()).toEqual(ids.map((_, i) => `sync_${i}`).sort())
    await Promise.all(workers.map((worker) => worker.stop(1_000)))
  })

  it('keeps one waiting job per sync', async () => {
    const queue = await open(freshSchema())
    const first = await queue.enqueue({ sync: 'contacts', runId: 'r1', trigger: 'api' })
    const second = await queue.enqueue({ sync: 'contacts', runId: 'r2', trigger: 'api' })
    expect(first).toBeTypeOf('string')
    expect(second).toBeUndefined()
    await queue.cancel(first!)
    expect(await queue.outcome(first!)).toEqual({ runId: 'r1', status: 'cancelled' })
  })

  it('gives a job whose worker stopped renewing its lease to another worker', async () => {
    const schema = freshSchema()
    const [producer, stuck, healthy] = await Promise.all([open(schema), open(schema), open(schema)])
    const attempts: Array<{ worker: string; attempt: number }> = []
    // the first worker takes the job and then never answers: its lease is never renewed once closed
    let release: () => void = () => {}
    stuck.work(
      async (job) => {
        attempts.push({ worker: 'stuck', attempt: job.attempt })
        await new Promise<void>((done) => {
          release = done
        })
        return { runId: job.runId, status: 'succeeded' }
      },
      { name: 'stuck' },
    )
    const id = await producer.enqueue({ sync: 'contacts', runId: 'r1', trigger: 'api' })
    await until('the first worker to take the job', () => (attempts.length > 0 ? true : undefined))
    // the process "dies": its pool goes away, so the lease lapses
    await stuck.close()
    healthy.work(
      async (job) => {
        attempts.push({ worker: 'healthy', attempt: job.attempt })
        return { runId: 'r1-takeover', status: 'succeeded' }
      },
      { name: 'healthy' },
    )
    expect(await producer.outcome(id!)).toEqual({ runId: 'r1-takeover', status: 'succeeded' })
    expect(attempts).toEqual([
      { worker: 'stuck', attempt: 0 },
      { worker: 'healthy', attempt: 1 },
    ])
    release()
  })

  it('stops a running job when its waiter is cancelled', async () => {
    const queue = await open(freshSchema())
    queue.work(
      (job, signal) =>
        new Promise<JobOutcome>((resolve) => {
          signal.addEventListener('abort', () => resolve({ runId: job.runId, status: 'cancelled' }))
        }),
    )
    const id = await queue.enqueue({ sync: 'contacts', runId: 'r1', trigger: 'api' })
    const controller = new AbortController()
    const outcome = queue.outcome(id!, controller.signal)
    await until('the job to start', async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      try {
        const rows = await client.query(`SELECT 1 FROM "${schemas.at(-1)}".leases`)
        return rows.rows.length > 0 ? true : undefined
      } finally {
        await client.end()
      }
    })
    controller.abort()
    expect(await outcome).toEqual({ runId: 'r1', status: 'cancelled' })
  })
})

describe('leader election', () => {
  it('elects one leader, and another when the leader goes away', async () => {
    const name = `test-${randomBytes(4).toString('hex')}`
    const led: string[] = []
    const first = electLeader({
      url: DATABASE_URL,
      name,
      retryMs: 100,
      onLeader: () => void led.push('first'),
    })
    await until('a leader', () => (led.length > 0 ? true : undefined))
    const second = electLeader({
      url: DATABASE_URL,
      name,
      retryMs: 100,
      onLeader: () => void led.push('second'),
    })
    // the follower keeps trying; it only leads once the first has gone
    expect(led).toEqual(['first'])
    expect(second.leader).toBe(false)
    await first.stop()
    await until('the second to lead', () => (led.length > 1 ? true : undefined))
    expect(led).toEqual(['first', 'second'])
    expect(second.leader).toBe(true)
    await second.stop()
  })
})
