import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { emptyCounts, type RunRecord, type SyncConfig } from '@sluice/core'
import { createApi, type ServeHost } from '@sluice/runner'
import { Scheduler } from '@sluice/scheduler'
import { createStateStore } from '@sluice/state-store'
import { type Latency, latency } from './records-api.js'

export interface ServeOverviewInput {
  stateDir: string
  syncs: number
  /** finished runs of each sync in the ledger */
  runsPerSync: number
  /** measured overview loads, after the first */
  requests: number
}

export interface ServeOverviewOutput {
  /** the first load, before anything is warm */
  firstMs: number
  /** what the overview page asks the server for each time it loads or refreshes: GET /api/syncs */
  syncs: Latency
  /** the page and its scripts and style sheet, fetched once as a browser would on a first visit */
  assetsMs: number
  /** bytes of the /api/syncs answer */
  bytes: number
}

const STATUSES = ['succeeded', 'partially_succeeded', 'failed'] as const

/**
 * `sluice serve`'s web UI overview over the real API on loopback: a state store holding `syncs` syncs
 * with `runsPerSync` runs each, a scheduler holding their schedules (armed, nothing due), and the
 * overview's request (every sync with its health, schedule, next run and last run) asked again and
 * again, as the page does while it is open.
 */
export async function serveOverviewRun(input: ServeOverviewInput): Promise<ServeOverviewOutput> {
  const store = await createStateStore({ path: input.stateDir })
  const syncs: Record<string, SyncConfig & { name: string; enabled: boolean }> = {}
  const started = Date.parse('2026-12-01T00:00:00Z')
  for (let i = 0; i < input.syncs; i++) {
    const name = `sync_${String(i).padStart(4, '0')}`
    syncs[name] = {
      name,
      enabled: true,
      model: `model_${i % 40}`,
      destination: `destination_${i % 8}`,
      object: 'contacts',
      behaviour: i % 3 === 0 ? 'mirror' : 'upsert',
      identifier: { column: 'id', field: 'id' },
      mappings: [{ from: 'email', to: 'email' }],
    }
    for (let r = 0; r < input.runsPerSync; r++) {
      const at = started + (i * input.runsPerSync + r) * 1000
      const run: RunRecord = {
        id: `${new Date(at).toISOString().replace(/[-:.]/g, '')}-${name}-${r}`,
        sync: name,
        status: STATUSES[(i + r) % STATUSES.length]!,
        mode: 'incremental',
        startedAt: new Date(at).toISOString(),
        endedAt: new Date(at + 900).toISOString(),
        durationMs: 900,
        counts: {
          ...emptyCounts(),
          queried: 1000,
          added: 10,
          succeeded: { upsert: 9 },
          rejected: { upsert: 1 },
        },
      }
      await store.saveRun(run)
    }
  }
  const scheduler = new Scheduler({
    syncs: Object.values(syncs).map((s) => ({
      name: s.name,
      enabled: true,
      schedule: { type: 'interval', every: '1d' },
    })),
    execute: async (r) => ({ runId: r.runId, status: 'succeeded' }),
  })
  await scheduler.start()
  // what the overview reads: the ledger's overview and the scheduler; the rest of a host is not involved
  const host = {
    project: { resolved: { syncs } },
    ledger: { overview: () => store.syncOverview(syncs) },
    scheduler,
    progress: new Map(),
  } as unknown as ServeHost
  const app = createApi(host, {}, 'bench')
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const load = async (path: string) => {
      const begun = performance.now()
      const response = await fetch(`${base}${path}`)
      const body = await response.text()
      if (response.status !== 200)
        throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 200)}`)
      return { ms: performance.now() - begun, body }
    }
    const first = await load('/api/syncs')
    const listed = (JSON.parse(first.body) as { syncs: unknown[] }).syncs.length
    if (listed !== input.syncs) throw new Error(`GET /api/syncs listed ${listed} syncs, not ${input.syncs}`)
    const assetsBegun = performance.now()
    const page = await load('/')
    const assets = [...page.body.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!)
    const modules = ['/ui/api.js', '/ui/dom.js', '/ui/shared.js', '/ui/overview.js', '/ui/chart.js']
    await Promise.all([...assets, ...modules].map((path) => load(path)))
    const assetsMs = performance.now() - assetsBegun
    const times: number[] = []
    for (let i = 0; i < input.requests; i++) times.push((await load('/api/syncs')).ms)
    return { firstMs: first.ms, syncs: latency(times), assetsMs, bytes: Buffer.byteLength(first.body) }
  } finally {
    await new Promise((resolve) => server.close(resolve))
    await scheduler.stop({ graceMs: 0 })
    await store.close()
  }
}
