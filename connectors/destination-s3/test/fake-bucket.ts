import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { DuckDBInstance } from '@duckdb/node-api'
import { createFakeStats, createFaults, resetFakeStats, type StorageFake } from '@sluice/conformance/fake'
import { HttpResponse, http } from 'msw'
import type { Manifest } from '../src/index.js'
import { testClient } from './harness.js'

type Row = Record<string, unknown>

/**
 * The conformance kit's view of a bucket on s3rver. Requests go through the kit's fake host, which
 * forwards them to s3rver after applying its transport faults (429, 5xx, dropped connections, slow
 * answers), so the SDK's retries meet real failures; buckets in `denied` answer 403 AccessDenied, as S3
 * does for a key whose policy does not cover them. `records()` reads back what a reader of the bucket
 * sees: the runs listed by a manifest, folded in run order as their mode says.
 */
export function createBucketFake(options: {
  /** s3rver's endpoint, read when the fake starts */
  endpoint: () => string
  bucket: string
  denied: string[]
}): StorageFake {
  const faults = createFaults()
  const stats = createFakeStats()
  const client = () => testClient(options.endpoint())

  const forward = http.all('*', async ({ request }) => {
    stats.requests += 1
    const url = new URL(request.url)
    const bucket = url.pathname.split('/')[1] ?? ''
    if (options.denied.includes(bucket)) {
      return new HttpResponse(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${randomBytes(8).toString('hex')}</RequestId></Error>`,
        { status: 403, headers: { 'content-type': 'application/xml' } },
      )
    }
    const headers = new Headers(request.headers)
    for (const name of ['host', 'connection', 'content-length', 'transfer-encoding']) headers.delete(name)
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
    const answer = await fetch(new URL(`${url.pathname}${url.search}`, options.endpoint()), {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
    })
    const back = new Headers(answer.headers)
    for (const name of ['connection', 'transfer-encoding', 'keep-alive']) back.delete(name)
    return new HttpResponse(request.method === 'HEAD' ? null : await answer.arrayBuffer(), {
      status: answer.status,
      headers: back,
    })
  })

  return {
    handlers: [forward],
    faults,
    stats,
    records: () => readBack(client(), options.bucket),
    async reset() {
      resetFakeStats(stats)
      const s3 = client()
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: options.bucket }))
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }))
      if (keys.length > 0)
        await s3.send(new DeleteObjectsCommand({ Bucket: options.bucket, Delete: { Objects: keys } }))
    },
  }
}

/**
 * What a reader of the bucket holds, identifier → row: the finished runs (those with a manifest), in run
 * order. A snapshot run replaces everything; changes add or replace rows (appended rows are kept each
 * under a key of its own); diff mode's added and changed files add or replace rows, its removed files
 * remove them. Files without a manifest (a failed run) are never read.
 */
export async function readBack(s3: ReturnType<typeof testClient>, bucket: string): Promise<Map<string, Row>> {
  const text = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }))
  const manifests: Manifest[] = []
  for (const object of listed.Contents ?? [])
    if (object.Key?.endsWith('manifest.json'))
      manifests.push(JSON.parse(Buffer.from(await text(object.Key)).toString('utf8')) as Manifest)
  manifests.sort((a, b) => a.run.localeCompare(b.run))

  const held = new Map<string, Row>()
  let appended = 0
  for (const manifest of manifests) {
    if (manifest.mode === 'snapshot') held.clear()
    const prefix = new URL(manifest.location.replace(/^s3:/, 'http:')).pathname.slice(1)
    for (const file of manifest.files) {
      const rows = await rowsOf(Buffer.from(await text(`${prefix}${file.key}`)), manifest)
      for (const row of rows) {
        const id = String(row.id)
        if (file.operation === 'removed') held.delete(id)
        else if (file.operation === 'append') held.set(`appended-${++appended}`, row)
        else held.set(id, row)
      }
    }
  }
  return held
}

async function rowsOf(bytes: Buffer, manifest: Manifest): Promise<Row[]> {
  if (manifest.format === 'jsonl') {
    const body = manifest.compression === 'gzip' ? gunzipSync(bytes) : bytes
    return body
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Row)
  }
  if (manifest.format !== 'parquet')
    throw new Error(`the read-back reads jsonl and parquet, not ${manifest.format}`)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-s3-read-'))
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const path = join(dir, 'file.parquet')
    await writeFile(path, bytes)
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)
    return reader
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as unknown)]),
        ),
      )
  } finally {
    connection.closeSync()
    instance.closeSync()
    await rm(dir, { recursive: true, force: true })
  }
}
