import { readFile, writeFile } from 'node:fs/promises'
import { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { s3Storage } from '../src/index.js'
import { tempDir } from './fixtures.js'
import { testLakeStorage } from './lake-storage-suite.js'
import { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js'

let server: Awaited<ReturnType<typeof startS3rver>>
let lakes = 0

beforeAll(async () => {
  server = await startS3rver(['lake'])
})
afterAll(() => server.stop())

function client(credentials = S3RVER_CREDENTIALS) {
  return new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

async function storage(prefix = `lakes/${++lakes}/`, credentials = S3RVER_CREDENTIALS) {
  return s3Storage({ bucket: 'lake', prefix, client: client(credentials), cacheDir: await tempDir() })
}

describe('S3 storage', { timeout: 120_000 }, () => {
  testLakeStorage(() => storage())

  it('downloads a replaced file again, and a removed one is gone from the cache too', async () => {
    const lake = await storage()
    const stage = async (text: string) => {
      const local = await lake.stagingFile('r/x.parquet')
      await writeFile(local, text)
      return local
    }
    await lake.put('r/x.parquet', await stage('first'))
    const [first] = await lake.readable(['r/x.parquet'])
    expect(await readFile(first!, 'utf8')).toBe('first')
    // Unchanged: the cached copy is revalidated and kept.
    expect(await readFile((await lake.readable(['r/x.parquet']))[0]!, 'utf8')).toBe('first')
    await lake.put('r/x.parquet', await stage('second version'))
    expect(await readFile((await lake.readable(['r/x.parquet']))[0]!, 'utf8')).toBe('second version')
    await lake.remove('r/')
    await expect(readFile(first!, 'utf8')).rejects.toThrow(/ENOENT/)
  })

  it('keeps its files under the prefix, apart from another lake in the same bucket', async () => {
    const a = await storage('shared/a')
    const b = await storage('shared/b/')
    await a.writeText('n.json', 'a')
    await b.writeText('n.json', 'b')
    expect(await a.list('')).toEqual([{ path: 'n.json', size: 1, modifiedAt: expect.any(Date) }])
    expect(a.location).toBe('s3://lake/shared/a/')
  })

  it('says clearly when S3 refuses the credentials, without them in the message', async () => {
    const lake = await storage(undefined, {
      accessKeyId: 'AKIAWRONGKEY000',
      secretAccessKey: 'wrong-secret-value',
    })
    const error = await lake.list('').catch((e: unknown) => e)
    expect(error).toMatchObject({ category: 'auth', code: 'S3_ACCESS_DENIED' })
    expect((error as Error).message).toMatch(
      /S3 refused to list .* in s3:\/\/lake\/lakes\/\d+\/: InvalidAccessKeyId/,
    )
    expect((error as Error).message).toMatch(/Check the AWS credentials/)
    expect((error as Error).message).not.toContain('wrong-secret-value')
  })

  it('names a bucket that does not exist', async () => {
    const lake = s3Storage({ bucket: 'no-such-bucket', client: client(), cacheDir: await tempDir() })
    await expect(lake.writeText('a.json', '{}')).rejects.toMatchObject({
      category: 'config',
      code: 'S3_NO_SUCH_BUCKET',
      message: expect.stringContaining('s3://no-such-bucket/'),
    })
  })
})
