import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { emptyCounts, forgetSecrets, type RunRecord, registerSecret } from '@sluice/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AlertDelivery,
  type AlertMessage,
  type AlertRule,
  alertLogFile,
  alertsForRun,
  notifyRun,
  rejectedRate,
} from '../src/index.js'
import { startReceiver, startSmtp } from '../src/testing.js'

let n = 0
function run(
  status: RunRecord['status'],
  counts: Partial<RunRecord['counts']> = {},
  error?: string,
): RunRecord {
  n++
  return {
    id: `run-${n}`,
    sync: 'customers',
    status,
    mode: 'incremental',
    startedAt: new Date(Date.UTC(2026, 2, 1, 10, n)).toISOString(),
    endedAt: new Date(Date.UTC(2026, 2, 1, 10, n, 30)).toISOString(),
    durationMs: 30_000,
    counts: { ...emptyCounts(), queried: 100, succeeded: { upsert: 100 }, ...counts },
    ...(error ? { error: { category: 'auth', code: 'AUTH', message: error } } : {}),
  }
}

describe('alertsForRun', () => {
  const failed: AlertRule = { on: 'failed', webhook: 'http://127.0.0.1:1/hook' }
  const partial: AlertRule = { on: 'partially_succeeded', webhook: 'http://127.0.0.1:1/hook' }
  const rate: AlertRule = { on: 'rejected_rate', threshold: 0.1, webhook: 'http://127.0.0.1:1/hook' }

  it('fires once when health changes, not on every run', () => {
    const ok = run('succeeded')
    const bad1 = run('failed', {}, 'boom')
    const bad2 = run('failed', {}, 'boom')
    expect(alertsForRun([failed], ok, bad1).map((a) => a.event)).toEqual(['failed'])
    expect(alertsForRun([failed], bad1, bad2)).toEqual([])
    expect(alertsForRun([failed], bad2, run('succeeded')).map((a) => a.event)).toEqual(['recovered'])
    expect(alertsForRun([failed], undefined, run('failed'))).toHaveLength(1)
  })

  it('judges rejected_rate against its threshold', () => {
    const rejecting = run('partially_succeeded', { succeeded: { upsert: 80 }, rejected: { upsert: 20 } })
    expect(rejectedRate(rejecting)).toBeCloseTo(0.2)
    expect(alertsForRun([rate, partial], run('succeeded'), rejecting).map((a) => a.event)).toEqual([
      'rejected_rate',
      'partially_succeeded',
    ])
    const few = run('partially_succeeded', { succeeded: { upsert: 95 }, rejected: { upsert: 5 } })
    expect(alertsForRun([rate], rejecting, few).map((a) => a.event)).toEqual(['recovered'])
  })

  it('ignores dry runs and cancelled runs, and a failure is no recovery', () => {
    expect(alertsForRun([failed], undefined, { ...run('failed'), dryRun: true })).toEqual([])
    expect(alertsForRun([failed], undefined, run('cancelled'))).toEqual([])
    const rejecting = run('partially_succeeded', { rejected: { upsert: 50 } })
    expect(alertsForRun([partial], rejecting, run('failed'))).toEqual([])
  })
})

describe('notifyRun on real channels', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let smtp: Awaited<ReturnType<typeof startSmtp>>
  let dir: string
  beforeAll(async () => {
    receiver = await startReceiver()
    smtp = await startSmtp()
    dir = await mkdtemp(join(tmpdir(), 'sluice-alerts-'))
  })
  afterAll(async () => {
    await Promise.all([receiver.close(), smtp.close(), rm(dir, { recursive: true, force: true })])
  })
  afterEach(() => {
    receiver.bodies.length = 0
    receiver.failures.length = 0
    smtp.mails.length = 0
    forgetSecrets()
  })

  const smtpSettings = () => ({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    user: smtp.credentials.user,
    password: smtp.credentials.password,
    from: 'sluice@example.com',
  })

  it('sends the documented body to a webhook, Slack blocks to Slack, and an email', async () => {
    registerSecret('sk-live-0123456789')
    const rule: AlertRule = {
      on: 'failed',
      webhook: `${receiver.url}/hook`,
      slack: `${receiver.url}/services/T000/B000/XXXX`,
      email: 'oncall@example.com',
    }
    const failing = run('failed', {}, 'Braze answered 401 for api key sk-live-0123456789')
    const deliveries = await notifyRun([rule], run('succeeded'), failing, {
      project: 'acme',
      smtp: smtpSettings(),
      runUrl: 'http://127.0.0.1:8080/runs/run-x',
      reasons: [{ status: 'rejected', message: 'email is invalid', count: 3 }],
      backoffMs: 1,
    })
    expect(deliveries.map((d) => [d.channel, d.delivered])).toEqual([
      ['webhook', true],
      ['slack', true],
      ['email', true],
    ])
    const hook = receiver.bodies.find((b) => b.path === '/hook')!.body as AlertMessage
    expect(hook).toMatchObject({
      event: 'failed',
      project: 'acme',
      sync: 'customers',
      run: { id: failing.id, status: 'failed', url: 'http://127.0.0.1:8080/runs/run-x' },
      counts: { queried: 100, succeeded: 100, rejected: 0, invalid: 0 },
      error: { code: 'AUTH' },
      topReasons: [{ status: 'rejected', message: 'email is invalid', count: 3 }],
    })
    expect(JSON.stringify(receiver.bodies)).not.toContain('sk-live-0123456789')
    expect(hook.error?.message).toContain('***')

    const slack = receiver.bodies.find((b) => b.path.startsWith('/services'))!.body as {
      text: string
      blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }> }>
    }
    expect(slack.text).toMatch(/^Sync customers failed/)
    const rendered = JSON.stringify(slack.blocks)
    expect(rendered).toContain('*Sync*\\ncustomers')
    expect(rendered).toContain('email is invalid')
    expect(rendered).toContain('<http://127.0.0.1:8080/runs/run-x|')

    expect(smtp.mails).toHaveLength(1)
    expect(smtp.mails[0]).toMatchObject({
      from: 'sluice@example.com',
      to: ['oncall@example.com'],
      user: 'alerts',
    })
    expect(smtp.mails[0]!.raw).toMatch(/Subject: \[sluice\] Sync customers failed/)
    expect(smtp.mails[0]!.raw).not.toContain('sk-live-0123456789')
  })

  it('retries with backoff, and records an alert it could not deliver without failing', async () => {
    receiver.failures.push(503, 500)
    const log = join(dir, 'alerts.jsonl')
    const seen: AlertDelivery[] = []
    const pauses: number[] = []
    const options = {
      project: 'acme',
      backoffMs: 100,
      attempts: 3,
      log: alertLogFile(log),
      onDelivery: (d: AlertDelivery) => seen.push(d),
      sleep: async (ms: number) => {
        pauses.push(ms)
      },
    }
    const [retried] = await notifyRun(
      [{ on: 'failed', webhook: `${receiver.url}/hook` }],
      undefined,
      run('failed'),
      options,
    )
    expect(retried).toMatchObject({ delivered: true, attempts: 3 })
    expect(pauses).toHaveLength(2)
    // 100 ms, then 200 ms, each with up to half taken off as jitter
    expect(pauses[0]).toBeGreaterThanOrEqual(50)
    expect(pauses[0]).toBeLessThanOrEqual(100)
    expect(pauses[1]).toBeGreaterThanOrEqual(100)
    expect(pauses[1]).toBeLessThanOrEqual(200)
    expect(receiver.bodies).toHaveLength(1)

    const [lost] = await notifyRun(
      [{ on: 'failed', webhook: 'http://127.0.0.1:9/closed', email: 'x@example.com' }],
      undefined,
      run('failed'),
      { ...options, smtp: { ...smtpSettings(), password: 'wrong-password-123' } },
    )
    expect(lost).toMatchObject({ delivered: false, attempts: 3, channel: 'webhook', target: '127.0.0.1:9' })
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AlertDelivery)
    expect(lines.map((l) => [l.channel, l.delivered])).toEqual([
      ['webhook', true],
      ['webhook', false],
      ['email', false],
    ])
    expect(lines[2]!.error).toMatch(/SMTP server 127\.0\.0\.1/)
  })

  it('never shows a Slack webhook URL, which is a credential', async () => {
    const [delivery] = await notifyRun(
      [{ on: 'failed', slack: 'http://127.0.0.1:9/services/T1/B1/secret-token-value' }],
      undefined,
      run('failed'),
      { project: 'acme', attempts: 1 },
    )
    expect(delivery!.delivered).toBe(false)
    expect(JSON.stringify(delivery)).not.toContain('secret-token-value')
  })
})
