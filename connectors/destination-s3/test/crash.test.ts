import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { createStateStore } from '@sluice/state-store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../src/index.js'
import { harness, testClient } from './harness.js'
import { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js'

/**
 * A process killed with SIGKILL while it uploads a file: no row of that file is committed, no manifest
 * exists, and the next run sends what was not committed and finishes with a manifest.
 */
const here = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = join(here, '../../..')
const child = join(here, 'fixtures/crash-child.ts')
const ROWS = 18_000
const BATCH = 6_000 // about 6 MB of CSV per write: a multipart upload of two parts

let server: Awaited<ReturnType<typeof startS3rver>>
let dir: string

beforeAll(async () => {
  server = await startS3rver(['crash'])
  dir = mkdtempSync(join(tmpdir(), 'sluice-s3-crash-'))
  const db = await DuckDBInstance.create(join(dir, 'model.duckdb'))
  const connection = await db.connect()
  await connection.run(`CREATE TABLE people AS
    SELECT 'p' || i AS id, repeat(md5(i::VARCHAR), 32) AS name FROM range(1, ${ROWS + 1}) t(i)`)
  connection.closeSync()
  db.closeSync()
})
afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A loopback proxy in front of the S3 server that lets the first multipart upload through and holds
 * every part of the second one unanswered, calling `onHeld` when it starts holding.
 */
async function holdingProxy(target: string, onHeld: () => void): Promise<{ url: string; server: Server }> {
  let uploadsStarted = 0
  let held = false
  const upstream = new URL(target)
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    if (req.method === 'POST' && url.searchParams.has('uploads')) uploadsStarted++
    if (req.method === 'PUT' && url.searchParams.has('uploadId') && uploadsStarted >= 2) {
      if (!held) {
        held = true
        onHeld()
      }
      return // never answered: the upload is in flight when the process dies
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, server: proxy }
}

function startChild(env: Record<string, string>): { process: ChildProcess; exited: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@sluice/source', child], {
    cwd: repoRoot,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      STATE_DIR: join(dir, 'state'),
      MODEL_DB: join(dir, 'model.duckdb'),
      BATCH_SIZE: String(BATCH),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  proc.stderr?.on('data', (data: Buffer) => {
    err += data.toString()
  })
  const exited = new Promise<void>((resolve, reject) => {
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`the child was not killed mid-upload: it exited with ${code}: ${err}`))
    })
  })
  return { process: proc, exited }
}

describe('a crash mid-upload', () => {
  it('commits no row of the file in flight, leaves no manifest, and the next run completes', {
    timeout: 300_000,
  }, async () => {
    const url = 's3://crash/exports'
    let killed!: () => void
    const held = new Promise<void>((resolve) => {
      killed = resolve
    })
    const proxy = await holdingProxy(server.endpoint, killed)
    const run = startChild({ URL: url, ENDPOINT: proxy.url })
    // A child that ends before the hold (an error) fails the test with its output.
    await Promise.race([held, run.exited])
    run.process.kill('SIGKILL')
    await run.exited
    proxy.server.closeAllConnections()
    proxy.server.close()

    const h = harness()
    const client = testClient(server.endpoint)
    const store = h.store({ url, endpoint: server.endpoint }, client)
    const objects = await store.list('')
    expect(objects.filter((o) => o.key.endsWith('manifest.json'))).toEqual([])
    // Only the first file was stored; the second never completed, so S3 holds no object for it.
    const stored = objects.filter((o) => o.key.endsWith('.csv'))
    expect(stored).toHaveLength(1)
    const storedIds = new Set(
      ((await store.getText(stored[0]!.key)) as string)
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    )
    expect(storedIds.size).toBe(BATCH)

    const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
    try {
      const committed = (await state.snapshotEntries('crash_sync')).map((e) => e.identifier)
      // Every committed row is in a stored object: nothing of the file in flight was acknowledged.
      for (const id of committed) expect(storedIds.has(id)).toBe(true)
    } finally {
      await state.close()
    }

    // The next run, in this process, finishes: its manifest lists what it sent, and between the two
    // runs every row is in a stored file.
    const again = await runAgain(url, client)
    expect(again.status).toBe('succeeded')
    const manifests = (await store.list('')).filter((o) => o.key.endsWith('manifest.json'))
    expect(manifests).toHaveLength(1)
    const manifest = JSON.parse((await store.getText(manifests[0]!.key)) as string) as Manifest
    expect(manifest.run).toBe(again.id)
    const sentAgain = new Set<string>()
    for (const file of manifest.files) {
      for (const line of ((await store.getText(file.key)) as string).trim().split('\r\n').slice(1))
        sentAgain.add(line.split(',')[0]!)
    }
    for (let i = 1; i <= ROWS; i++) expect(storedIds.has(`p${i}`) || sentAgain.has(`p${i}`)).toBe(true)
    await h.close()
  })
})

/** The same sync, same state, run in this process against the server directly. */
async function runAgain(url: string, client: ReturnType<typeof testClient>) {
  const { runSync, silentLogger } = await import('@sluice/core')
  const duckdb = (await import('@sluice/source-duckdb')).default
  const { connectDuckDB } = await import('@sluice/source-duckdb')
  const { createS3Destination } = await import('../src/index.js')
  const connector = createS3Destination({ client })
  const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
  const source = connectDuckDB({ path: join(dir, 'model.duckdb'), readOnly: true })
  const destination = connector.connect({ url, endpoint: server.endpoint, format: 'csv' } as never, {
    signal: new AbortController().signal,
    log: silentLogger,
  })
  try {
    const { run } = await runSync({
      syncName: 'crash_sync',
      sync: {
        model: 'people',
        destination: 's3',
        object: 'people',
        behaviour: 'upsert',
        identifier: { column: 'id', field: 'id' },
        mappings: [{ from: 'name', to: 'name' }],
      } as never,
      model: { source: 'warehouse', table: 'people' } as never,
      source,
      sourceCapabilities: duckdb.capabilities,
      destination,
      destinationCapabilities: connector.capabilities,
      state,
    })
    return run
  } finally {
    await destination.close?.()
    await state.close()
    await source.close?.()
  }
}
