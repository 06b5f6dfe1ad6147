/**
 * The API's latency for a page of a 1M-row run's records, over real HTTP on loopback:
 * `pnpm --filter @sluice/runner measure:records-api [rows] [requests]`.
 *
 * Writes one run of `rows` tracked rows to a fresh lake (5,000 per file, 10% rejected), serves the
 * records route through the same Hono app `sluice serve` uses, and asks for pages: the first, deep
 * ones through cursors, filtered by status, and an identifier search. Prints p50 / p99 / max.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { emptyCounts, type RunRecord, type TrackedRecord } from '@sluice/core'
import { Scheduler } from '@sluice/scheduler'
import { createTrackingLake } from '@sluice/tracking'
import { createApi } from '../src/serve/app.js'
import type { ServeHost } from '../src/serve/host.js'
import { ServeMetrics } from '../src/serve/metrics.js'

const ROWS = Number(process.argv[2] ?? 1_000_000)
const REQUESTS = Number(process.argv[3] ?? 200)
const BATCH = 5_000
const SYNC = 'contacts'
const RUN_ID = '20261201T000000000Z-bench1'

const dir = await mkdtemp(join(tmpdir(), 'sluice-records-api-'))
const lake = createTrackingLake({ path: dir, org: 'bench' })
try {
  const writing = performance.now()
  for (let first = 0, batch = 1; first < ROWS; first += BATCH, batch++) {
    const records: TrackedRecord[] = []
    for (let i = first; i < Math.min(ROWS, first + BATCH); i++) {
      const rejected = i % 10 === 0
      records.push({
        identifier: String(i),
        payload: JSON.stringify({ id: String(i), email: `user${i}@example.com`, plan: 'pro' }),
        operation: 'upsert',
        status: rejected ? 'rejected' : 'succeeded',
        message: rejected ? 'email is invalid' : null,
        hash: null,
      })
    }
    const now = new Date()
    await lake.write({
      org: 'bench',
      sync: SYNC,
      runId: RUN_ID,
      batchType: 'upsert',
      batchNumber: batch,
      startedAt: now,
      endedAt: now,
      records,
    })
  }
  console.log(
    `wrote ${ROWS.toLocaleString('en')} rows in ${((performance.now() - writing) / 1000).toFixed(1)} s`,
  )

  const run: RunRecord = {
    id: RUN_ID,
    sync: SYNC,
    status: 'partially_succeeded',
    mode: 'incremental',
    startedAt: new Date().toISOString(),
    counts: emptyCounts(),
  }
  const host = {
    lake,
    ledger: { findRun: async (id: string) => (id === RUN_ID ? run : undefined) },
    scheduler: new Scheduler({ syncs: [], execute: async (r) => ({ runId: r.runId, status: 'succeeded' }) }),
    metrics: new ServeMetrics(),
    progress: new Map(),
  } as unknown as ServeHost
  const app = createApi(host, {}, 'bench')
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/runs/${RUN_ID}/records`
  const cursor = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url')
  const queries = [
    () => '?limit=100',
    () => `?limit=100&cursor=${cursor(Math.floor(Math.random() * (ROWS - 100)))}`,
    () => `?limit=100&status=rejected&cursor=${cursor(Math.floor(Math.random() * (ROWS / 10 - 100)))}`,
    () => `?search=${Math.floor(Math.random() * ROWS)}`,
  ]
  const timings: Record<string, number[]> = { all: [] }
  for (let i = 0; i < 10; i++) await (await fetch(`${base}?limit=100`)).text() // warm up
  for (let i = 0; i < REQUESTS; i++) {
    const kind = i % queries.length
    const started = performance.now()
    const response = await fetch(`${base}${queries[kind]!()}`)
    const body = (await response.json()) as { rows: unknown[] }
    const ms = performance.now() - started
    if (response.status !== 200 || body.rows.length === 0)
      throw new Error(`request ${i} answered ${response.status}`)
    timings.all!.push(ms)
    if ((i + 1) % 10 === 0) console.log(`  ${i + 1} requests, the last took ${ms.toFixed(0)} ms`)
    const name = ['first page', 'deep page', 'rejected, deep', 'identifier search'][kind]!
    timings[name] ??= []
    timings[name].push(ms)
  }
  server.close()
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(1)
  }
  console.log(
    `\n${REQUESTS} requests for pages of 100 over a ${ROWS.toLocaleString('en')}-row run (target p99 < 200 ms):`,
  )
  for (const [name, values] of Object.entries(timings)) {
    console.log(
      `  ${name.padEnd(18)} p50 ${pct(values, 50)} ms, p99 ${pct(values, 99)} ms, max ${pct(values, 100)} ms`,
    )
  }
} finally {
  await lake.close()
  await rm(dir, { recursive: true, force: true })
}
