import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { silentLogger } from '@sluice/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Destination, type Manifest } from '../src/index.js'
import { harness, testClient } from './harness.js'
import { startS3rver } from './s3rver.js'

let server: Awaited<ReturnType<typeof startS3rver>>
let h: ReturnType<typeof harness>
let syncs = 0

beforeAll(async () => {
  server = await startS3rver(['exports'])
  h = harness()
})
afterAll(async () => {
  await h?.close()
  await server?.stop()
})

async function people(n: number, where = '') {
  await h.sql(`CREATE OR REPLACE TABLE people AS
    SELECT 'p' || i AS id,
      CASE WHEN i = 1 THEN 'Zoë "Z", Jr.' || chr(10) || 'line two' WHEN i = 2 THEN '' WHEN i = 3 THEN NULL
        ELSE 'person ' || i END AS name,
      CAST(i * 1.25 AS DECIMAL(18,2)) AS amount,
      CAST(9007199254740993 + i AS BIGINT) AS big
    FROM range(1, ${n + 1}) t(i) ${where}`)
}

const s3Config = (extra: Record<string, unknown> = {}) => ({
  url: `s3://exports/runs-${++syncs}`,
  endpoint: server.endpoint,
  ...extra,
})

async function manifests(store: ReturnType<typeof h.store>): Promise<Manifest[]> {
  const keys = (await store.list('')).filter((o) => o.key.endsWith('manifest.json')).map((o) => o.key)
  const all = await Promise.all(
    keys.map(async (k) => JSON.parse((await store.getText(k)) as string) as Manifest),
  )
  return all.sort((a, b) => a.run.localeCompare(b.run))
}

/** Every listed file is in the store with the listed size and checksum. */
async function verified(store: ReturnType<typeof h.store>, manifest: Manifest) {
  for (const file of manifest.files) {
    const bytes = await store.getBytes(file.key)
    expect(bytes.length).toBe(file.bytes)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256)
  }
}

describe('changes mode', () => {
  it('writes RFC 4180 CSV to a local folder: every row first, then only added and changed rows', async () => {
    await people(30)
    const folder = join(h.dir, 'out')
    const config = { url: `file://${folder}`, format: 'csv' }
    const first = await h.run('csv_sync', config)
    expect(first.status).toBe('succeeded')
    const store = h.store(config)
    let [manifest] = await manifests(store)
    expect(manifest).toMatchObject({
      sync: 'csv_sync',
      run: first.id,
      mode: 'changes',
      format: 'csv',
      rows: 30,
    })
    expect(manifest!.files).toHaveLength(1)
    const key = manifest!.files[0]!.key
    expect(key).toBe(`csv_sync/${first.startedAt.slice(0, 10)}/${first.id}/upsert-00001.csv`)
    await verified(store, manifest!)
    const csv = (await store.getText(key)) as string
    expect(csv.split('\r\n')[0]).toBe('id,name,amount,big')
    expect(csv).toContain('p1,"Zoë ""Z"", Jr.\nline two",1.25,9007199254740994\r\n')

    await h.sql(`UPDATE people SET name = 'changed' WHERE id IN ('p2', 'p3')`)
    await h.sql(`INSERT INTO people VALUES ('p31', 'new', 1.00, 1)`)
    await h.sql(`DELETE FROM people WHERE id = 'p4'`)
    const second = await h.run('csv_sync', config)
    manifest = (await manifests(store)).find((m) => m.run === second.id)
    expect(manifest!.rows).toBe(3)
    const text = (await store.getText(manifest!.files[0]!.key)) as string
    expect(text.trim().split('\r\n').slice(1).sort()).toEqual([
      'p2,changed,2.50,9007199254740995',
      'p3,changed,3.75,9007199254740996',
      'p31,new,1.00,1',
    ])
  })

  it('splits files at the size limit and names the parts in order', async () => {
    await people(2000)
    const config = s3Config({ format: 'jsonl', maxFileBytes: 16 * 1024 })
    // Batches of 250: several writes in flight at once, each with its own files.
    const run = await h.run(`split_${syncs}`, config, { client: testClient(server.endpoint), batchSize: 250 })
    expect(run.status).toBe('succeeded')
    const store = h.store(config, testClient(server.endpoint))
    const [manifest] = await manifests(store)
    expect(manifest!.files.length).toBeGreaterThan(3)
    expect(manifest!.files.map((f) => f.part)).toEqual(manifest!.files.map((_, i) => i + 1))
    expect(manifest!.files.reduce((sum, f) => sum + f.rows, 0)).toBe(2000)
    for (const file of manifest!.files) expect(file.bytes).toBeLessThanOrEqual(16 * 1024)
    await verified(store, manifest!)
    // Writes run concurrently, so which part holds p1 depends on which finished first.
    const lines: string[] = []
    for (const file of manifest!.files) lines.push(...((await store.getText(file.key)) as string).split('\n'))
    const p1 = lines.find((line) => line.startsWith('{"id":"p1",'))
    // JSON lines keep BIGINT exact and DECIMAL as its exact text.
    expect(p1).toBe('{"id":"p1","name":"Zoë \\"Z\\", Jr.\\nline two","amount":"1.25","big":9007199254740994}')
  })
})

describe('diff mode', () => {
  it('writes added, changed and removed rows as separate gzipped files', async () => {
    await people(20)
    const config = s3Config({ format: 'jsonl', gzip: true, mode: 'diff' })
    const client = testClient(server.endpoint)
    const name = `diff_${syncs}`
    expect((await h.run(name, config, { behaviour: 'mirror', client })).status).toBe('succeeded')
    await h.sql(`UPDATE people SET name = 'changed' WHERE id = 'p5'`)
    await h.sql(`DELETE FROM people WHERE id IN ('p6', 'p7')`)
    await h.sql(`INSERT INTO people VALUES ('p99', 'new', 0.5, 2)`)
    const second = await h.run(name, config, { behaviour: 'mirror', client })
    expect(second.status).toBe('succeeded')
    const store = h.store(config, client)
    const manifest = (await manifests(store)).find((m) => m.run === second.id)!
    const byOperation: Record<string, string[]> = {}
    for (const file of manifest.files) {
      expect(file.key).toMatch(/\.jsonl\.gz$/)
      const lines = gunzipSync(await store.getBytes(file.key))
        .toString('utf8')
        .trim()
        .split('\n')
      byOperation[file.operation] = lines.map((l) => JSON.parse(l).id as string).sort()
      expect(file.rows).toBe(lines.length)
    }
    expect(byOperation).toEqual({ added: ['p99'], changed: ['p5'], removed: ['p6', 'p7'] })
    await verified(store, manifest)
  })

  it('refuses a behaviour its mode cannot write, naming both', async () => {
    await people(3)
    const run = await h.run(`refuse_${syncs}`, s3Config({ mode: 'snapshot' }), {
      behaviour: 'append',
      client: testClient(server.endpoint),
    })
    expect(run.status).toBe('failed')
    expect(run.error?.message).toMatch(
      /mode "snapshot" cannot write "append" records: a snapshot holds the whole model/,
    )
  })
})

describe('snapshot mode, parquet', () => {
  it('writes the whole model every run, with exact BIGINT and DECIMAL columns', async () => {
    await people(50)
    const config = s3Config({ format: 'parquet', mode: 'snapshot', columns: { amount: 'DECIMAL(18,2)' } })
    const client = testClient(server.endpoint)
    const name = `snap_${syncs}`
    expect((await h.run(name, config, { behaviour: 'mirror', client })).status).toBe('succeeded')
    await h.sql(`DELETE FROM people WHERE id = 'p50'`)
    const second = await h.run(name, config, { behaviour: 'mirror', client })
    expect(second.status).toBe('succeeded')
    const store = h.store(config, client)
    const all = await manifests(store)
    expect(all.map((m) => m.rows)).toEqual([50, 49])
    const manifest = all[1]!
    await verified(store, manifest)
    const local = join(h.dir, `snap-${syncs}.parquet`)
    writeFileSync(local, await store.getBytes(manifest.files[0]!.key))
    const db = await DuckDBInstance.create(':memory:')
    const connection = await db.connect()
    try {
      const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${local}')`)
      expect(types.getRowObjectsJS().map((r) => [r.column_name, r.column_type])).toEqual([
        ['id', 'VARCHAR'],
        ['name', 'VARCHAR'],
        ['amount', 'DECIMAL(18,2)'],
        ['big', 'BIGINT'],
      ])
      const rows = await connection.runAndReadAll(
        `SELECT count(*)::INT AS n, max(big)::VARCHAR AS big, sum(amount)::VARCHAR AS total FROM read_parquet('${local}')`,
      )
      // 1.25 × (1 + … + 49) = 1531.25, exactly; 9007199254740993 + 49 is beyond a double's precision.
      expect(rows.getRowObjectsJS()[0]).toEqual({ n: 49, big: '9007199254741042', total: '1531.25' })
      const names = await connection.runAndReadAll(
        `SELECT id, name FROM read_parquet('${local}') WHERE id IN ('p1', 'p2', 'p3') ORDER BY id`,
      )
      // An empty string and a NULL stay apart; quotes, commas and line breaks survive.
      expect(names.getRowObjectsJS()).toEqual([
        { id: 'p1', name: 'Zoë "Z", Jr.\nline two' },
        { id: 'p2', name: '' },
        { id: 'p3', name: null },
      ])
    } finally {
      connection.closeSync()
      db.closeSync()
    }
  })
})

describe('uploads and failures', () => {
  it('uploads a file above the part size as a multipart upload, whole', async () => {
    await h.sql(`CREATE OR REPLACE TABLE people AS
      SELECT 'p' || i AS id, repeat(md5(i::VARCHAR), 8) AS name, 1.00::DECIMAL(18,2) AS amount, i AS big
      FROM range(1, 30001) t(i)`)
    const config = s3Config({ format: 'csv', partSizeBytes: 5 * 1024 * 1024 })
    const client = testClient(server.endpoint)
    const multipart: string[] = []
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CompleteMultipartUploadCommand') multipart.push(context.commandName)
        return next(args)
      },
      { step: 'initialize' },
    )
    const run = await h.run(`multipart_${syncs}`, config, { client })
    expect(run.status).toBe('succeeded')
    const store = h.store(config, client)
    const [manifest] = await manifests(store)
    expect(manifest!.files[0]!.bytes).toBeGreaterThan(5 * 1024 * 1024)
    expect(multipart).toEqual(['CompleteMultipartUploadCommand'])
    await verified(store, manifest!)
  })

  it('fails clearly on a key S3 does not know, without the secret', async () => {
    const destination = createS3Destination({
      client: testClient(server.endpoint, {
        accessKeyId: 'AKIAUNKNOWNKEY',
        secretAccessKey: 'the-wrong-secret',
      }),
    }).connect(s3Config() as never, { signal: new AbortController().signal, log: silentLogger })
    const error = await destination
      .check({ signal: new AbortController().signal, log: silentLogger })
      .catch((e) => e)
    expect(error).toMatchObject({ category: 'auth', code: 'S3_ACCESS_DENIED' })
    expect(error.message).toMatch(
      /^\[sluice\] \[s3\] S3 refused to list the objects in s3:\/\/exports\/runs-\d+\/: InvalidAccessKeyId/,
    )
    expect(error.message).toContain('Check the AWS credentials')
    expect(error.message).not.toContain('the-wrong-secret')
  })

  it('a run that fails leaves no manifest; the next run lists only its own files', async () => {
    await people(300)
    const config = s3Config({ format: 'csv' })
    const flaky = testClient(server.endpoint)
    let uploads = 0
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && ++uploads === 2)
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })
        return next(args)
      },
      { step: 'initialize' },
    )
    const name = `fails_${syncs}`
    const failed = await h.run(name, config, { client: flaky, batchSize: 100 })
    expect(failed.status).toBe('failed')
    expect(failed.error?.message).toMatch(/cannot reach S3 to upload/)
    const store = h.store(config, testClient(server.endpoint))
    expect(await manifests(store)).toEqual([])
    const orphaned = await store.list(`${name}/`)
    expect(orphaned.length).toBeGreaterThan(0)

    const next = await h.run(name, config, { client: testClient(server.endpoint), batchSize: 100 })
    expect(next.status).toBe('succeeded')
    const [manifest] = await manifests(store)
    expect(manifest!.run).toBe(next.id)
    expect(manifest!.files.every((f) => f.key.includes(next.id))).toBe(true)
    // The 300 rows were one commit group, which a failed request leaves uncommitted: all are sent again.
    expect(manifest!.rows).toBe(300)
  })
})
