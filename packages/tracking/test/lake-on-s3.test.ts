import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTrackingLake, RunPurgedError, s3Storage } from '../src/index.js'
import { batch, invalidRecord, rejectedRecord, succeededRecord, tempDir } from './fixtures.js'
import { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js'

/** The whole lake (write, queries, export, retention) on a real S3-compatible server. */
let server: Awaited<ReturnType<typeof startS3rver>>
let lakes = 0
const sync = 'users-to-braze'

beforeAll(async () => {
  server = await startS3rver(['tracking'])
})
afterAll(() => server.stop())

async function s3Lake() {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  const prefix = `lake-${++lakes}`
  const storage = s3Storage({ bucket: 'tracking', prefix, client, cacheDir: await tempDir() })
  const lake = createTrackingLake({ storage, org: 'acme' })
  return { lake, storage, client, prefix }
}

describe('the tracking lake on S3', { timeout: 180_000 }, () => {
  it('answers records, search, samples, counts and exports from the bucket', async () => {
    const { lake, storage } = await s3Lake()
    try {
      await lake.write(
        batch('run-1', 1, [
          succeededRecord('u1'),
          rejectedRecord('u2', 'Email is invalid'),
          succeededRecord('u3'),
        ]),
      )
      await lake.write(
        batch('run-1', 2, [invalidRecord(null, 'NULL', 'identifier is NULL')], { batchType: 'invalid' }),
      )
      await lake.write(batch('run-2', 1, [succeededRecord('u2')]))

      expect((await storage.list('sync_tracking_datasets/')).map((e) => e.path).sort()).toEqual([
        'sync_tracking_datasets/acme/users-to-braze/run-1/invalid.2.parquet',
        'sync_tracking_datasets/acme/users-to-braze/run-1/upsert.1.parquet',
        'sync_tracking_datasets/acme/users-to-braze/run-2/upsert.1.parquet',
      ])
      expect(lake.location).toBe(`s3://tracking/lake-${lakes}/`)

      const page = await lake.records({ sync, runId: 'run-1' })
      expect(page.total).toBe(4)
      const rejected = await lake.records({ sync, runId: 'run-1', status: 'rejected' })
      expect(rejected.rows.map((r) => [r.identifier, r.message])).toEqual([['u2', 'Email is invalid']])
      const found = await lake.search({ sync, identifier: 'u2' })
      expect(found.map((r) => [r.runId, r.status])).toEqual([
        ['run-2', 'succeeded'],
        ['run-1', 'rejected'],
      ])
      expect((await lake.sample({ sync, runId: 'run-1' })).map((r) => r.status).sort()).toEqual([
        'NULL',
        'rejected',
      ])
      expect(await lake.counts({ sync, runId: 'run-1' })).toMatchObject({ batches: 2 })

      const out = join(await tempDir(), 'rejected.csv')
      expect(await lake.export({ sync, runId: 'run-1', status: 'rejected', format: 'csv', to: out })).toEqual(
        {
          rows: 1,
        },
      )
      expect(await readFile(out, 'utf8')).toContain('u2')
      expect((await lake.runs(sync)).map((r) => [r.runId, r.state])).toEqual([
        ['run-2', 'present'],
        ['run-1', 'present'],
      ])
    } finally {
      await lake.close()
    }
  })

  it('purges runs past the retention from the bucket and says so afterwards', async () => {
    const { lake, storage } = await s3Lake()
    try {
      await lake.write(batch('old', 1, [succeededRecord('u1'), rejectedRecord('u2', 'Email is invalid')]))
      // Before a purge the run's files are downloaded to the cache; they must not outlive it.
      expect((await lake.records({ sync, runId: 'old' })).total).toBe(2)
      const later = new Date(Date.now() + 15 * 86_400_000)
      const purged = await lake.purge({ now: later })
      expect(purged.removed.map((r) => r.runId)).toEqual(['old'])
      expect(await storage.list('sync_tracking_datasets/')).toEqual([])
      expect(await lake.runState({ sync, runId: 'old' })).toMatchObject({ state: 'purged' })
      await expect(lake.records({ sync, runId: 'old' })).rejects.toBeInstanceOf(RunPurgedError)
      expect((await lake.runs(sync)).map((r) => [r.runId, r.state])).toEqual([['old', 'purged']])
    } finally {
      await lake.close()
    }
  })
})
