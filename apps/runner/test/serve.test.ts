import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import type { AlertMessage } from '@sluice/scheduler'
import { startReceiver, startSmtp } from '@sluice/scheduler/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'
import { linkPackages } from './helpers/project.js'
import { eventually, type Served, startServe } from './helpers/serve.js'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const TOKEN = 'api-token-for-tests-0123456789'
const WEBHOOK_TOKEN = 'webhook-token-for-tests-987'
const API_KEY = 'flaky-api-key-s3cr3t-value'

let dir: Awaited<ReturnType<typeof tempDir>>
let receiver: Awaited<ReturnType<typeof startReceiver>>
let smtp: Awaited<ReturnType<typeof startSmtp>>
let served: Served

async function createProject(path: string, smtpPort: number) {
  const db = await DuckDBInstance.create(join(path, 'warehouse.duckdb'))
  const connection = await db.connect()
  await connection.run(
    `CREATE TABLE customers AS SELECT i::VARCHAR AS id, 'user' || i || '@example.com' AS email FROM range(1, 41) t(i)`,
  )
  await connection.run(
    `CREATE TABLE many AS SELECT i::VARCHAR AS id, 'user' || i || '@example.com' AS email FROM range(1, 50001) t(i)`,
  )
  connection.closeSync()
  db.closeSync()
  await linkPackages(path, ['connectors/source-duckdb'])
  await mkdir(join(path, 'node_modules', '@acme'), { recursive: true })
  await cp(
    join(FIXTURES, 'destination-flaky'),
    join(path, 'node_modules', '@acme', 'sluice-destination-flaky'),
    {
      recursive: true,
    },
  )
  const alert = {
    on: 'failed',
    webhook: '${env:HOOK_URL}',
    slack: '${env:SLACK_URL}',
    email: 'oncall@example.com',
  }
  const sync = (schedule: unknown, alerts: unknown[] = []) => ({
    model: 'customers',
    destination: 'flaky',
    object: 'records',
    behaviour: 'upsert',
    identifier: { column: 'id', field: 'id' },
    mappings: [{ from: 'email', to: 'email' }],
    schedule,
    alerts,
  })
  const config = {
    name: 'acme',
    settings: {
      smtp: {
        host: '127.0.0.1',
        port: smtpPort,
        user: 'alerts',
        password: '${env:SMTP_PASSWORD}',
        from: 'sluice@example.com',
      },
      maxConcurrentRuns: 3,
    },
    sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
    destinations: {
      flaky: { type: 'flaky', config: { downFile: 'destination-down', apiKey: '${env:FLAKY_API_KEY}' } },
      fast: { type: 'flaky', config: {} },
      slow: { type: 'flaky', config: { delayMs: 2 } },
    },
    models: {
      customers: { source: 'warehouse', table: 'customers' },
      // a model whose rows change on every run, so every run has something to send
      touched: {
        source: 'warehouse',
        sql: 'SELECT id, email, CAST(now() AS VARCHAR) AS seen_at FROM customers',
      },
      many: { source: 'warehouse', table: 'many' },
    },
    syncs: {
      contacts: {
        ...sync({ type: 'interval', every: '2s' }, [alert]),
        model: 'touched',
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'seen_at', to: 'seen_at' },
        ],
      },
      contacts_followup: sync({ type: 'after', sync: 'contacts' }),
      archive: { ...sync({ type: 'manual' }), destination: 'fast' },
      bulk: { ...sync({ type: 'manual' }), model: 'many', destination: 'slow' },
      paused: { ...sync({ type: 'interval', every: '1s' }), enabled: false },
    },
  }
  await writeFile(join(path, 'sluice.json'), JSON.stringify(config, null, 2))
}

const api = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = TOKEN, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  if (rest.body) headers.set('content-type', 'application/json')
  return fetch(`${served.url}${path}`, { ...rest, headers })
}
const getJson = async <T = Record<string, unknown>>(path: string) => {
  const response = await api(path)
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

interface RunJson {
  runId: string
  sync: string
  status: string
  counts: { succeeded: number; queried: number }
}
const runsOf = async (query: string) => (await getJson<{ runs: RunJson[] }>(`/api/runs?${query}`)).runs

const alertsOn = (path: (p: string) => boolean, event: string) =>
  receiver.bodies
    .filter((b) => path(b.path))
    .filter((b) => {
      const body = b.body as AlertMessage & { text?: string }
      return body.event === event || (body.text ?? '').includes(event === 'failed' ? 'failed' : 'recovered')
    })
const isHook = (p: string) => p === '/hook'
const isSlack = (p: string) => p.startsWith('/services')

beforeAll(async () => {
  dir = await tempDir('sluice-serve-')
  receiver = await startReceiver()
  smtp = await startSmtp({ user: 'alerts', password: 'smtp-password-for-tests' })
  await createProject(dir.path, smtp.port)
  served = await startServe(dir.path, {
    SLUICE_API_TOKEN: TOKEN,
    SLUICE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    HOOK_URL: `${receiver.url}/hook`,
    SLACK_URL: `${receiver.url}/services/T000/B000/slack-secret-path`,
    SMTP_PASSWORD: smtp.credentials.password,
    FLAKY_API_KEY: API_KEY,
  })
}, 300_000)

afterAll(async () => {
  if (process.env.SLUICE_TEST_SHOW_SERVE) process.stderr.write(served?.output() ?? '')
  await served?.stop('SIGKILL')
  await Promise.all([receiver?.close(), smtp?.close()])
  await dir?.remove()
})

describe('sluice serve', () => {
  it('runs a sync on its interval and the sync after it', async () => {
    const first = await eventually('a scheduled run of contacts', async () => {
      const runs = await runsOf('sync=contacts&status=succeeded')
      return runs[0]
    })
    expect(first.counts.queried).toBe(40)
    await eventually(
      'contacts_followup after contacts',
      async () => (await runsOf('sync=contacts_followup&status=succeeded'))[0],
    )
    const { syncs } = await getJson<{ syncs: Array<Record<string, unknown>> }>('/api/syncs')
    const contacts = syncs.find((s) => s.name === 'contacts')!
    expect(contacts).toMatchObject({ enabled: true, schedule: { type: 'interval', every: '2s' } })
    expect(typeof contacts.nextRunAt).toBe('string')
    expect(syncs.find((s) => s.name === 'paused')).toMatchObject({
      enabled: false,
      health: 'disabled',
      nextRunAt: null,
    })
    expect(await runsOf('sync=paused')).toEqual([])
  }, 300_000)

  it('sends one alert on each channel when the destination fails, and one recovered when it heals', async () => {
    await writeFile(join(dir.path, 'destination-down'), '')
    // three failed runs: the alert went out on the first, and the second ended before the third began
    await eventually(
      'three failed runs',
      async () => ((await runsOf('sync=contacts&status=failed')).length >= 3 ? true : undefined),
      90_000,
    )
    expect(alertsOn(isHook, 'failed')).toHaveLength(1)
    expect(alertsOn(isSlack, 'failed')).toHaveLength(1)
    expect(smtp.mails.filter((m) => m.raw.includes('failed'))).toHaveLength(1)
    // a failed run does not start the sync after it
    const followups = (await runsOf('sync=contacts_followup')).length

    await rm(join(dir.path, 'destination-down'))
    await eventually(
      'a recovered alert on every channel',
      async () =>
        alertsOn(isHook, 'recovered').length === 1 &&
        alertsOn(isSlack, 'recovered').length === 1 &&
        smtp.mails.length === 2
          ? true
          : undefined,
      90_000,
    )
    await eventually(
      'another successful run',
      async () => ((await runsOf('sync=contacts&status=succeeded&since=1m')).length >= 2 ? true : undefined),
      90_000,
    )
    expect(alertsOn(isHook, 'recovered')).toHaveLength(1)
    expect(alertsOn(isHook, 'failed')).toHaveLength(1)
    expect((await runsOf('sync=contacts_followup')).length).toBeGreaterThan(followups)

    const failed = alertsOn(isHook, 'failed')[0]!.body as AlertMessage
    expect(failed).toMatchObject({
      event: 'failed',
      project: 'acme',
      sync: 'contacts',
      run: { status: 'failed' },
    })
    expect(failed.run.url).toMatch(new RegExp(`^${served.url}/api/runs/`))
    expect(failed.error?.message).toContain('503')
    const everything = JSON.stringify(receiver.bodies) + smtp.mails.map((m) => m.raw).join('')
    expect(everything).not.toContain(API_KEY)
    expect(served.output()).not.toContain(API_KEY)
    expect(served.output()).not.toContain('slack-secret-path')

    const metrics = await (await api('/metrics')).text()
    expect(metrics).toContain('sluice_alerts_total{channel="webhook",event="failed",delivered="true"} 1')
    expect(metrics).toContain('sluice_alerts_total{channel="email",event="recovered",delivered="true"} 1')
    expect(metrics).toMatch(/sluice_runs_total\{sync="contacts",status="failed"\} \d+/)
    expect(metrics).toMatch(/sluice_records_total\{sync="contacts",status="succeeded"\} \d+/)
    expect(metrics).toContain('# TYPE sluice_run_duration_seconds histogram')
    expect(metrics).toContain('# TYPE sluice_rate_limit_waits_total counter')
  }, 400_000)

  it('answers what the read commands answer: a run, its reasons and its records, a page at a time', async () => {
    const [run] = await runsOf('sync=archive')
    expect(run).toBeUndefined()
    const started = await api('/api/syncs/archive/runs', {
      method: 'POST',
      body: JSON.stringify({ mode: 'full_resync' }),
    })
    expect(started.status).toBe(202)
    const { runId } = (await started.json()) as { runId: string }
    const detail = await eventually('the archive run to end', async () => {
      const response = await api(`/api/runs/${runId}`)
      if (response.status !== 200) return undefined
      const body = (await response.json()) as {
        final: boolean
        status: string
        mode: string
        tracking: string
      }
      return body.final ? body : undefined
    })
    expect(detail).toMatchObject({ status: 'succeeded', mode: 'full_resync', tracking: 'present' })
    // the phases the engine went through, each with its duration, in order
    const { phases } = (await getJson(`/api/runs/${runId}`)) as {
      phases: Array<{ phase: string; startedAt: string; durationMs: number | null }>
    }
    expect(phases.map((p) => p.phase)).toEqual(expect.arrayContaining(['querying', 'in_progress']))
    expect(phases.every((p) => typeof p.durationMs === 'number' && p.durationMs >= 0)).toBe(true)
    const starts = phases.map((p) => Date.parse(p.startedAt))
    expect(starts).toEqual([...starts].sort((a, b) => a - b))

    // the CLI reads the same ledger and lake
    const cli = await sluice(['runs', 'show', runId, '--json'], { cwd: dir.path, timeoutMs: 120_000 })
    expect(JSON.parse(cli.stdout)).toMatchObject({ runId, status: 'succeeded' })

    const page1 = await getJson<{ rows: Array<{ identifier: string }>; total: number; nextCursor: string }>(
      `/api/runs/${runId}/records?limit=15&status=succeeded`,
    )
    expect(page1.total).toBe(40)
    expect(page1.rows).toHaveLength(15)
    const page2 = await getJson<{ rows: Array<{ identifier: string }>; nextCursor: string | null }>(
      `/api/runs/${runId}/records?limit=30&cursor=${page1.nextCursor}`,
    )
    expect(page2.rows).toHaveLength(25)
    expect(page2.nextCursor).toBeNull()
    const ids = new Set([...page1.rows, ...page2.rows].map((r) => r.identifier))
    expect(ids.size).toBe(40)
    // a cursor is a position in this run's files: one naming a file the run has not is refused
    for (const text of ['k:0:upsert.999.parquet', 'o:15', 'k:1:../state.parquet']) {
      const refused = await api(
        `/api/runs/${runId}/records?cursor=${Buffer.from(text).toString('base64url')}`,
      )
      expect(refused.status, text).toBe(400)
      expect(await refused.json()).toMatchObject({ errors: [{ field: 'cursor' }] })
    }
    const search = await getJson<{ rows: Array<{ identifier: string; status: string }> }>(
      `/api/runs/${runId}/records?search=7`,
    )
    expect(search.rows).toEqual([expect.objectContaining({ identifier: '7', status: 'succeeded' })])

    const csv = await api(`/api/runs/${runId}/records/export?format=csv`)
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/)
    const lines = (await csv.text()).trim().split('\n')
    expect(lines[0]).toMatch(/^identifier,status,status_message,operation,record_payload/)
    expect(lines).toHaveLength(41)
    const jsonl = await api(`/api/runs/${runId}/records/export?format=jsonl&search=12`)
    const rows = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { identifier: string; record_payload: unknown })
    expect(rows).toEqual([
      expect.objectContaining({
        identifier: '12',
        record_payload: { id: '12', email: 'user12@example.com' },
      }),
    ])

    const dry = await api('/api/syncs/archive/runs', {
      method: 'POST',
      body: JSON.stringify({ dryRun: true }),
    })
    expect(dry.status).toBe(202)
    const reset = await eventually('a reset once the dry run ended', async () => {
      const response = await api('/api/syncs/archive/reset', { method: 'POST', body: '{}' })
      return response.status === 200 ? response.json() : undefined
    })
    expect(reset).toEqual({ sync: 'archive', reset: 'full' })
  }, 300_000)

  it('serves the web UI without the token, with no data and no secret in it', async () => {
    const page = await fetch(`${served.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await page.text()
    expect(html).toContain('<script type="module" src="/ui/main.js">')
    // every asset comes from this server
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toContain(TOKEN)
    const script = await fetch(`${served.url}/ui/api.js`)
    expect(script.headers.get('content-type')).toMatch(/text\/javascript/)
    // the token is kept in the tab, never in the page
    expect(await script.text()).toContain('sessionStorage')
    for (const path of ['/ui/missing.js', '/ui/..%2Fpackage.json', '/ui/index.html']) {
      expect((await fetch(`${served.url}${path}`)).status, path).toBe(404)
    }
    // the printed address leads to the UI, and the token is never printed
    expect(served.output()).toMatch(/web UI: http:\/\/127\.0\.0\.1:\d+\/ \(sign in with SLUICE_API_TOKEN\)/)
    expect(served.output()).not.toContain(TOKEN)
  })

  it("shows a sync's configuration with its secrets masked", async () => {
    const response = await api('/api/syncs/contacts')
    const text = await response.text()
    expect(text).not.toContain(API_KEY)
    const { config } = JSON.parse(text) as { config: Record<string, Record<string, unknown>> }
    expect(config.sync).toMatchObject({ name: 'contacts', model: 'touched', behaviour: 'upsert' })
    expect(config.model).toMatchObject({ name: 'touched', source: 'warehouse' })
    expect(config.destination).toMatchObject({
      name: 'flaky',
      type: 'flaky',
      config: { apiKey: '***', downFile: 'destination-down' },
    })
    // alert targets from the environment are secrets too
    expect(text).not.toContain('slack-secret-path')
  })

  it('refuses bad requests with a problem naming the field, and callers without the token', async () => {
    const limit = await api('/api/runs?limit=0')
    expect(limit.status).toBe(400)
    expect(limit.headers.get('content-type')).toBe('application/problem+json')
    expect(await limit.json()).toMatchObject({ status: 400, errors: [{ field: 'limit' }] })
    const status = await api('/api/runs?status=failed,oops')
    expect(await status.json()).toMatchObject({
      errors: [{ field: 'status.1', message: expect.stringContaining('succeeded') }],
    })
    const mode = await api('/api/syncs/archive/runs', {
      method: 'POST',
      body: JSON.stringify({ mode: 'full', extra: 1 }),
    })
    expect(mode.status).toBe(400)
    const fields = ((await mode.json()) as { errors: Array<{ field: string }> }).errors
      .map((e) => e.field)
      .sort()
    expect(fields).toEqual(['extra', 'mode'])
    expect((await api('/api/syncs/nope')).status).toBe(404)
    expect((await api('/api/runs/nope')).status).toBe(404)
    expect((await api('/api/runs', { token: null })).status).toBe(401)
    expect((await api('/api/runs', { token: 'wrong' })).status).toBe(401)
    expect((await api('/healthz', { token: null })).status).toBe(200)
    // the webhook token starts runs through /hooks and nothing else
    expect((await api('/api/runs', { token: WEBHOOK_TOKEN })).status).toBe(401)
    const hook = await api('/hooks/syncs/archive/run', { method: 'POST', token: WEBHOOK_TOKEN })
    expect(hook.status).toBe(202)
    expect(await hook.json()).toMatchObject({ sync: 'archive', trigger: 'webhook', status: 'queued' })
    expect((await api('/hooks/syncs/archive/run', { method: 'POST', token: null })).status).toBe(401)
  }, 300_000)

  it('serves an OpenAPI 3.1 document with every route it answers', { timeout: 300_000 }, async () => {
    const doc = await getJson<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      '/openapi.json',
    )
    expect(doc.openapi).toBe('3.1.0')
    const { ROUTES } = await import('../src/serve/routes.js')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    )
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort())
    const records = doc.paths['/api/runs/{run}/records']!.get as {
      parameters: Array<{ name: string; in: string }>
    }
    expect(records.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:run',
      'query:status',
      'query:operation',
      'query:search',
      'query:limit',
      'query:cursor',
    ])
    // every documented route answers: nothing documented is missing from the server
    for (const route of ROUTES.filter((r) => r.method === 'get' && !r.path.includes('{'))) {
      expect((await api(route.path)).status, route.path).toBe(200)
    }
  })

  it('stops on SIGTERM: the run in flight ends cancelled, keeping what it committed', async () => {
    const started = await api('/api/syncs/bulk/runs', {
      method: 'POST',
      body: JSON.stringify({ mode: 'full_resync' }),
    })
    if (started.status !== 202) throw new Error(await started.text())
    const { runId } = (await started.json()) as { runId: string }
    await eventually('the run to send its first batch', async () => {
      const response = await api(`/api/runs/${runId}`)
      if (response.status !== 200) return undefined
      const body = (await response.json()) as { counts: { succeeded: number } }
      return body.counts.succeeded > 0 ? true : undefined
    })
    const code = await served.stop('SIGTERM')
    expect(code).toBe(0)
    const shown = await sluice(['runs', 'show', runId, '--json'], { cwd: dir.path, timeoutMs: 120_000 })
    const run = JSON.parse(shown.stdout) as { status: string; counts: { succeeded: number } }
    expect(run.status).toBe('cancelled')
    expect(run.counts.succeeded).toBeGreaterThan(0)
    expect(run.counts.succeeded).toBeLessThan(50_000)
  }, 300_000)
})

describe('sluice serve without a token', () => {
  it('refuses to bind anything but loopback', { timeout: 300_000 }, async () => {
    const result = await sluice(['serve', '--host', '0.0.0.0', '--port', '0'], {
      cwd: dir.path,
      env: { SLUICE_API_TOKEN: undefined },
      timeoutMs: 120_000,
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/refuses to bind 0\.0\.0\.0 without SLUICE_API_TOKEN/)
  })
})

describe('sluice schedule', () => {
  it("prints each sync's next fire times", { timeout: 300_000 }, async () => {
    const result = await sluice(['schedule', '--json', '--count', '2'], { cwd: dir.path, timeoutMs: 120_000 })
    expect(result.code).toBe(0)
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sync: string; nextFireTimes: string[] })
    expect(rows.find((r) => r.sync === 'contacts')!.nextFireTimes).toHaveLength(2)
    expect(rows.find((r) => r.sync === 'paused')!.nextFireTimes).toEqual([])
    expect(rows.find((r) => r.sync === 'contacts_followup')!.nextFireTimes).toEqual([])
    const text = await sluice(['schedule'], { cwd: dir.path, timeoutMs: 120_000 })
    expect(text.stdout).toMatch(/contacts_followup +after contacts succeeds/)
    expect(text.stdout).toMatch(/paused +every 1s +disabled: never scheduled/)
  })
})
