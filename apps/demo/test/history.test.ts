import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sluice } from './helpers/cli.js'
import { folderWithDemo, jsonLines, type RunJson, runsOf } from './helpers/project.js'

/** The read commands, over the history the demo leaves behind; none of them needs credentials. */
let dir: Awaited<ReturnType<typeof folderWithDemo>>
let project: string
let braze: RunJson

beforeAll(async () => {
  dir = await folderWithDemo('sluice-history-')
  project = join(dir.path, 'demo')
  const demo = await sluice(['demo', project, '--customers', '1500'], { cwd: dir.path })
  expect(demo.code).toBe(0)
  const runs = runsOf(
    (await sluice(['runs', 'customers_to_braze', '--json', '--limit', '1'], { cwd: project })).stdout,
  )
  braze = runs[0]!
}, 900_000)
afterAll(() => dir.remove())

describe('sluice status', () => {
  it('shows each sync with its health and latest run', async () => {
    const result = await sluice(['status'], { cwd: project })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/customers_to_braze +partially succeeded +customers +braze \(users\)/)
    expect(result.stdout).toMatch(
      /contacts_to_salesforce +partially succeeded +customers +salesforce \(Contact\)/,
    )
    const json = JSON.parse((await sluice(['status', '--json'], { cwd: project })).stdout) as Array<{
      sync: string
      health: string
    }>
    expect(result.stdout).toMatch(/customers_to_sheet +partially succeeded +customers +sheets \(Customers\)/)
    expect(result.stdout).toMatch(/customers_to_s3 +partially succeeded +customers +s3 \(customers\)/)
    expect(result.stdout).toMatch(/customers_to_http +partially succeeded +customers +http \(customers\)/)
    expect(json.map((s) => s.health)).toEqual(Array(5).fill('partially_succeeded'))
  })
})

describe('sluice runs', () => {
  it('lists runs newest first, filtered by sync, status and time', async () => {
    const all = await sluice(['runs'], { cwd: project })
    expect(all.code).toBe(0)
    // five syncs, each run twice; every run meets the warehouse's missing and duplicated ids
    expect(all.stdout.split('\n').filter((l) => l.includes('partially succeeded'))).toHaveLength(10)
    expect(all.stdout.indexOf(braze.runId)).toBeGreaterThan(0)

    const one = runsOf((await sluice(['runs', 'contacts_to_salesforce', '--json'], { cwd: project })).stdout)
    expect(one.map((r) => r.sync)).toEqual(['contacts_to_salesforce', 'contacts_to_salesforce'])
    for (const run of one) {
      expect(Object.keys(run)).toEqual(expect.arrayContaining(['runId', 'sync', 'status', 'counts', 'error']))
      expect(Object.keys(run.counts as object)).toEqual(
        expect.arrayContaining([
          'queried',
          'invalid',
          'added',
          'changed',
          'removed',
          'succeeded',
          'rejected',
        ]),
      )
    }

    const none = await sluice(['runs', '--status', 'failed'], { cwd: project })
    expect(none.stdout).toContain('no runs match')
    const future = await sluice(['runs', '--since', '2999-01-01', '--json'], { cwd: project })
    expect(future.stdout).toBe('')
    const recent = jsonLines((await sluice(['runs', '--since', '1h', '--json'], { cwd: project })).stdout)
    expect(recent).toHaveLength(10)
  })

  it('refuses an unknown sync with the closest name', async () => {
    const result = await sluice(['runs', 'customers_to_brze'], { cwd: project })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Did you mean "customers_to_braze"?')
  })
})

describe('sluice runs show', () => {
  it('shows counts and the top rejection reasons', async () => {
    const result = await sluice(['runs', 'show', braze.runId], { cwd: project })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`run ${braze.runId}`)
    expect(result.stdout).toContain(`queried ${braze.counts.queried.toLocaleString('en-US')}`)
    expect(result.stdout).toContain('Top reasons rows did not make it:')
    expect(result.stdout).toContain("'email' is not a valid email address")
    // one line per reason, however many identifiers it was about
    expect(result.stdout).toMatch(/DUPLICATE +the identifier "…" appears in … rows/)
    const reasons = result.stdout.slice(result.stdout.indexOf('Top reasons rows did not make it:'))
    expect(reasons.match(/DUPLICATE/g)).toHaveLength(1)
  })

  it('shows the most recent run for "latest"', async () => {
    const latest = runsOf((await sluice(['runs', '--json', '--limit', '1'], { cwd: project })).stdout)[0]!
    const result = await sluice(['runs', 'show', 'latest', '--json'], { cwd: project })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ runId: latest.runId, sync: latest.sync })
  })

  it('names recent runs when the run is unknown', async () => {
    const latest = runsOf((await sluice(['runs', '--json', '--limit', '1'], { cwd: project })).stdout)[0]!
    const result = await sluice(['runs', 'show', 'no-such-run'], { cwd: project })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no run "no-such-run"')
    expect(result.stderr).toContain(`${latest.runId} (${latest.sync})`)
  })
})

describe('sluice records', () => {
  it('filters by status and searches by identifier', async () => {
    const rejected = jsonLines(
      (
        await sluice(['records', braze.runId, '--status', 'rejected', '--json', '--limit', '1000'], {
          cwd: project,
        })
      ).stdout,
    )
    expect(rejected.length).toBe(braze.counts.rejected)
    expect(rejected.every((r) => r.status === 'rejected' && typeof r.message === 'string')).toBe(true)

    const id = rejected[0]!.identifier as string
    const found = await sluice(['records', braze.runId, '--search', id], { cwd: project })
    expect(found.code).toBe(0)
    expect(found.stdout).toContain(id)
    expect(found.stdout).toContain('rejected')
    expect(found.stdout).toContain('1 of 1 rows')
  })

  it('samples rows that did not make it, with reasons and payloads', async () => {
    const result = await sluice(['records', braze.runId, '--sample', '--payload'], { cwd: project })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/a sample of \d+ rows/)
    expect(result.stdout).toContain('"external_id"')
    expect(result.stdout).not.toMatch(/ succeeded /)
  })

  it('exports the filtered rows as CSV and JSON lines', async () => {
    const csv = join(dir.path, 'rejected.csv')
    const exported = await sluice(['records', braze.runId, '--status', 'rejected', '--export', csv], {
      cwd: project,
    })
    expect(exported.code).toBe(0)
    expect(exported.stdout).toContain(`wrote ${braze.counts.rejected} rows to ${csv}`)
    const lines = (await readFile(csv, 'utf8')).trim().split('\n')
    expect(lines[0]).toContain('identifier,status,status_message')
    expect(lines).toHaveLength(braze.counts.rejected + 1)

    const jsonl = join(dir.path, 'all.jsonl')
    expect((await sluice(['records', braze.runId, '--export', jsonl], { cwd: project })).code).toBe(0)
    const rows = (await readFile(jsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string })
    expect(rows.filter((r) => r.status === 'succeeded').length).toBe(braze.counts.succeeded)

    const wrong = await sluice(['records', braze.runId, '--export', join(dir.path, 'x.txt')], {
      cwd: project,
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('--export needs a .csv or .jsonl file')
  })
})

describe('sluice unlock', () => {
  it('warns and frees a lock a dead run left behind, and status stops saying in progress', async () => {
    const syncDir = join(project, '.sluice', 'state', 'syncs', 'customers_to_braze')
    const runId = '20990101T000000000Z-stuck'
    const counts = braze.counts
    await mkdir(join(syncDir, 'runs'), { recursive: true })
    await writeFile(
      join(syncDir, 'runs', `${runId}.json`),
      JSON.stringify({
        id: runId,
        sync: 'customers_to_braze',
        status: 'in_progress',
        mode: 'incremental',
        startedAt: '2099-01-01T00:00:00.000Z',
        counts: {
          ...(counts as object),
          invalid: { null: 0, duplicate: 0, other: 0 },
          succeeded: {},
          rejected: {},
        },
        pid: 1,
        host: hostname(),
      }),
    )
    // PID 1 is alive in every container: only the lease can tell this run is gone.
    await writeFile(
      join(syncDir, 'lock'),
      JSON.stringify({
        runId,
        pid: 1,
        host: hostname(),
        acquiredAt: '2099-01-01T00:00:00.000Z',
        leaseUntil: Date.now() + 3_600_000,
        token: 't',
      }),
    )
    expect((await sluice(['status'], { cwd: project })).stdout).toMatch(/customers_to_braze +in progress/)

    const refused = await sluice(['unlock', 'customers_to_braze'], { cwd: project })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/two runs would then send the same rows at once/)
    expect(refused.stderr).toMatch(/sluice unlock customers_to_braze --yes/)

    const unlocked = await sluice(['unlock', 'customers_to_braze', '--yes'], { cwd: project })
    expect(unlocked.code).toBe(0)
    expect(unlocked.stdout).toMatch(new RegExp(`lock of run ${runId} \\(pid 1 on .*\\) removed`))
    const status = await sluice(['status'], { cwd: project })
    expect(status.stdout).not.toMatch(/customers_to_braze +in progress/)
    const stuck = JSON.parse(await readFile(join(syncDir, 'runs', `${runId}.json`), 'utf8'))
    expect(stuck).toMatchObject({ status: 'incomplete', error: { code: 'INTERRUPTED' } })
  }, 900_000)
})
