import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { emptyCounts, type RunRecord, type TrackedRecord } from '@sluice/core'
import { createApi, encodeRecordsCursor, type ServeHost } from '@sluice/runner'
import { Scheduler } from '@sluice/scheduler'
import { createStateStore } from '@sluice/state-store'
import { createTrackingLake, type TrackingLake } from '@sluice/tracking'
import { percentile } from '../harness/stats.js'

export interface RecordsApiInput {
  lakeDir: string
  stateDir: string
  rows: number
  /** measured requests, after the first */
  requests: number
}

/** What one kind of request took, ms. */
export interface Latency {
  count: number
  p50: number
  p99: number
  max: number
}

export interface RecordsApiOutput {
  writeSeconds: number
  /** the first request on the run: it reads every batch file's summary once */
  firstRequestMs: number
  /** the first identifier search: it builds every batch file's identifier filter once */
  firstSearchMs: number
  all: Latency
  byKind: Record<string, Latency>
  /** the web UI's run page: the run with its reasons and phases (GET /api/runs/{run}) */
  runDetail: Latency
  /** the web UI's records table: pages of 50, the run's first and its rejected rows' first */
  uiPage: Latency
}

/** The web UI's page size. */
const UI_PAGE = 50

/** Rows per batch file: the engine's commit groups are about this size. */
export const ROWS_PER_FILE = 5000
/** Every tenth row is rejected, so a status filter keeps a tenth of the run. */
const REJECTED_EVERY = 10
const PAGE = 100
const SYNC = 'contacts'
const RUN_ID = '20261201T000000000Z-bench1'
const RUN_STARTED = Date.parse('2026-12-01T00:00:00Z')

/**
 * Request kinds, in the order they take turns. A deep page starts after a random row of the run,
 * with the cursor the API would have given for it; `next` follows that page's `nextCursor`.
 */
export const REQUEST_KINDS = [
  'first page',
  'deep page',
  'next page',
  'rejected, deep',
  'identifier search',
] as const
type Kind = (typeof REQUEST_KINDS)[number]

/**
 * A run of `rows` tracked rows written to a fresh lake with the tracking package's writer (files of
 * 5,000 rows, a tenth rejected), the run in a state store's ledger, and the records route of the
 * `sluice serve` API served over loopback. Pages of 100 are asked for one after the other.
 */
export async function recordsApiRun(input: RecordsApiInput): Promise<RecordsApiOutput> {
  const lake = createTrackingLake({ path: input.lakeDir, org: 'bench' })
  const store = await createStateStore({ path: input.stateDir })
  try {
    const writing = performance.now()
    const files = await writeRun(lake, input.rows)
    const writeSeconds = (performance.now() - writing) / 1000
    const run: RunRecord = {
      id: RUN_ID,
      sync: SYNC,
      status: 'partially_succeeded',
      mode: 'incremental',
      startedAt: new Date().toISOString(),
      counts: emptyCounts(),
    }
    await store.saveRun(run)
    // The records route reads the ledger and the lake; the rest of a serving host is not involved.
    const host = {
      lake,
      ledger: { findRun: (id: string) => store.getRun(SYNC, id) },
      scheduler: new Scheduler({
        syncs: [],
        execute: async (r) => ({ runId: r.runId, status: 'succeeded' }),
      }),
      progress: new Map(),
      // no phase marks: the phases are read from the run's batches, as for a run another process ran
      phases: { of: () => undefined },
    } as unknown as ServeHost
    const app = createApi(host, {}, 'bench')
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
    })
    try {
      const runUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/runs/${RUN_ID}`
      const base = `${runUrl}/records`
      const get = async (query: string, url = base) => {
        const started = performance.now()
        const response = await fetch(`${url}?${query}`)
        const body = (await response.json()) as { rows: unknown[]; nextCursor: string | null }
        const ms = performance.now() - started
        if (response.status !== 200 || (url === base && body.rows.length === 0))
          throw new Error(`GET records?${query} answered ${response.status} with ${body.rows?.length} rows`)
        return { ms, next: body.nextCursor }
      }
      const firstRequestMs = (await get(`limit=${PAGE}`)).ms
      const firstSearchMs = (await get(`search=${input.rows - 1}`)).ms
      const times = new Map<Kind, number[]>(REQUEST_KINDS.map((kind) => [kind, []]))
      const random = seeded(14)
      let next: string | null = null
      for (let i = 0; i < input.requests; i++) {
        const kind = REQUEST_KINDS[i % REQUEST_KINDS.length]!
        const deep = () => {
          const row = Math.floor(random() * (input.rows - 2 * PAGE * REJECTED_EVERY))
          return encodeRecordsCursor({
            file: files[Math.floor(row / ROWS_PER_FILE)]!,
            row: row % ROWS_PER_FILE,
          })
        }
        let query: string
        if (kind === 'first page') query = `limit=${PAGE}`
        else if (kind === 'deep page') query = `limit=${PAGE}&cursor=${deep()}`
        else if (kind === 'next page') query = `limit=${PAGE}&cursor=${next}`
        else if (kind === 'rejected, deep') query = `limit=${PAGE}&status=rejected&cursor=${deep()}`
        else query = `search=${Math.floor(random() * input.rows)}`
        const answer = await get(query)
        if (kind === 'deep page') next = answer.next
        times.get(kind)!.push(answer.ms)
      }
      // the run page of the web UI: the run, then the first page of its records table, all or rejected
      const runDetail: number[] = []
      const uiPage: number[] = []
      const uiRequests = Math.max(20, Math.round(input.requests / 5))
      for (let i = 0; i < uiRequests; i++) {
        runDetail.push((await get('', runUrl)).ms)
        uiPage.push((await get(i % 2 === 0 ? `limit=${UI_PAGE}` : `limit=${UI_PAGE}&status=rejected`)).ms)
      }
      const all = [...times.values()].flat()
      return {
        runDetail: latency(runDetail),
        uiPage: latency(uiPage),
        writeSeconds,
        firstRequestMs,
        firstSearchMs,
        all: latency(all),
        byKind: Object.fromEntries([...times].map(([kind, values]) => [kind, latency(values)])),
      }
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  } finally {
    await lake.close()
    await store.close()
  }
}

/** Writes the run's files and returns their names in send order. */
async function writeRun(lake: TrackingLake, rows: number): Promise<string[]> {
  const files: string[] = []
  for (let first = 0, batch = 1; first < rows; first += ROWS_PER_FILE, batch++) {
    const records: TrackedRecord[] = []
    for (let i = first; i < Math.min(rows, first + ROWS_PER_FILE); i++) {
      const rejected = i % REJECTED_EVERY === 0
      records.push({
        identifier: String(i),
        payload: JSON.stringify({ id: String(i), email: `user${i}@example.com`, plan: 'pro' }),
        operation: 'upsert',
        status: rejected ? 'rejected' : 'succeeded',
        message: rejected ? `email user${i}@example.com is invalid` : null,
        hash: null,
      })
    }
    // a second apart, so the send order is the order written
    const startedAt = new Date(RUN_STARTED + batch * 1000)
    await lake.write({
      org: 'bench',
      sync: SYNC,
      runId: RUN_ID,
      batchType: 'upsert',
      batchNumber: batch,
      startedAt,
      endedAt: new Date(startedAt.getTime() + 500),
      records,
    })
    files.push(`upsert.${batch}.parquet`)
  }
  return files
}

export function latency(values: readonly number[]): Latency {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: Math.max(...values),
  }
}

/** A small repeatable generator (mulberry32), so two runs ask for the same pages. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
