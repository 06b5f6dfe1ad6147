import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { type ModelConfig, type RunRecord, runSync, type SyncConfig } from '@sluice/core'
import { silentLogger } from '@sluice/core/contract'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createTrackingLake, type TrackingLake } from '@sluice/tracking'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeBraze } from '../src/fake/index.js'
import { braze } from '../src/index.js'

/**
 * Whole runs through the engine: a DuckDB model of 20,000 users (scalars, a STRUCT address, a LIST of
 * tags), the embedded state store, the tracking lake, and the connector talking HTTP to the fake Braze.
 * Three mirror runs — the first load, changes and additions, removals — and after each one Braze holds
 * exactly the model, less the rows Braze refused.
 */
const ROWS = 20_000
const BAD_EMAILS = [7, 9_999, 15_123] // Braze refuses these addresses
const LONG_BIO = [42] // a custom attribute string over 255 characters: Braze refuses it

const fake = createFakeBraze()
const dir = mkdtempSync(join(tmpdir(), 'sluice-braze-'))
const source = connectDuckDB({ path: ':memory:' })
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
let lake: TrackingLake
let host: FakeHost

const model = { source: 'warehouse', table: 'users' } as ModelConfig
const mirror = (deleteBehaviour: 'delete' | 'clear', table = 'users'): SyncConfig =>
  ({
    model: table,
    destination: 'braze',
    object: 'users',
    behaviour: 'mirror',
    deleteBehaviour,
    identifier: { column: 'id', field: 'external_id' },
    mappings: [
      { from: 'first_name', to: 'first_name' },
      { from: 'email', to: 'email' },
      { from: 'plan', to: 'plan' },
      { from: 'score', to: 'score' },
      { from: 'bio', to: 'bio' },
      { from: 'address', to: 'address' },
      { from: 'tags', to: 'tags' },
    ],
  }) as SyncConfig

async function run(syncName: string, sync: SyncConfig, table = 'users'): Promise<RunRecord> {
  const destination = braze.connect(
    { apiKey: fake.apiKey, instanceUrl: host.url, allowCustomEndpoint: true },
    { signal: new AbortController().signal, log: silentLogger },
  )
  try {
    const { run } = await runSync({
      syncName,
      sync,
      model: { ...model, table },
      source,
      sourceCapabilities: duckdbSource.capabilities,
      destination,
      destinationCapabilities: braze.capabilities,
      state,
      tracking: lake,
    })
    return run
  } finally {
    await destination.close?.()
  }
}

/** The model as Braze should hold it: external_id → attributes, a NULL column being no attribute. */
async function modelAsBraze(table = 'users'): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>()
  const sql = `SELECT id, first_name, email, plan, score, bio, address, tags FROM ${table} ORDER BY id`
  for await (const chunk of source.query(sql)) {
    for (const row of chunk) {
      const fields: Record<string, unknown> = { external_id: row.id }
      for (const key of ['first_name', 'email', 'plan', 'score', 'bio', 'address', 'tags']) {
        const value = row[key]
        if (value !== null && value !== undefined)
          fields[key] = typeof value === 'bigint' ? Number(value) : value
      }
      out.set(String(row.id), fields)
    }
  }
  return out
}

/** Asserts Braze holds exactly the model, less the given identifiers, attribute by attribute. */
async function expectBrazeEqualsModel(except: Set<string>, table = 'users') {
  const expected = await modelAsBraze(table)
  for (const id of except) expected.delete(id)
  const held = fake.records('users')
  const mismatches: string[] = []
  for (const [id, fields] of expected) {
    const profile = held.get(id)
    if (!profile) mismatches.push(`${id}: missing`)
    else if (JSON.stringify(sorted(profile)) !== JSON.stringify(sorted(fields))) {
      mismatches.push(`${id}: ${JSON.stringify(sorted(profile))} ≠ ${JSON.stringify(sorted(fields))}`)
    }
  }
  for (const id of held.keys())
    if (!expected.has(id) && !except.has(id)) mismatches.push(`${id}: not in the model`)
  expect(mismatches.slice(0, 5)).toEqual([])
  expect(held.size).toBe(expected.size)
}

function sorted(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}

const id = (n: number) => `user-${String(n).padStart(6, '0')}`
const refused = new Set([...BAD_EMAILS, ...LONG_BIO].map(id))

beforeAll(async () => {
  host = await startFakeHost(fake)
  lake = createTrackingLake({ path: join(dir, 'lake') })
  await source.execute!(`
    CREATE TABLE users AS
    SELECT 'user-' || lpad(i::VARCHAR, 6, '0') AS id,
           'First ' || i AS first_name,
           CASE WHEN i IN (${BAD_EMAILS.join(',')}) THEN 'no-at-sign-' || i ELSE 'u' || i || '@example.com' END AS email,
           CASE i % 3 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE NULL END AS plan,
           (i % 1000)::INTEGER AS score,
           CASE WHEN i IN (${LONG_BIO.join(',')}) THEN repeat('b', 300) ELSE NULL END AS bio,
           {'city': 'City ' || (i % 50), 'zip': lpad((i % 99999)::VARCHAR, 5, '0')} AS address,
           CASE WHEN i % 4 = 0 THEN ['vip', 'beta'] ELSE ['newsletter'] END AS tags
    FROM range(${ROWS}) t(i)`)
})

afterAll(async () => {
  await Promise.allSettled([host?.close(), lake?.close(), state.close(), source.close?.()])
  rmSync(dir, { recursive: true, force: true })
})

// Generous: on a busy machine the first load of 20,000 users takes far longer than on an idle one.
describe('20,000 users mirrored through the engine', { timeout: 240_000 }, () => {
  it('loads every user in requests of at most 75, tracking what Braze refused with its reason', async () => {
    const first = await run('users_to_braze', mirror('delete'))
    expect(first.status).toBe('partially_succeeded')
    expect(first.counts).toMatchObject({
      queried: ROWS,
      added: ROWS,
      succeeded: { upsert: ROWS - refused.size },
    })
    expect(first.counts.rejected).toEqual({ upsert: refused.size })
    expect(fake.stats.maxRecordsPerRequest).toBeLessThanOrEqual(75)
    expect(fake.requestsByEndpoint.track).toBeGreaterThanOrEqual(Math.ceil(ROWS / 75))
    expect(fake.stats.rateLimited).toBe(0)
    await expectBrazeEqualsModel(refused)

    const rejected = await lake.records({ sync: 'users_to_braze', runId: first.id, status: 'rejected' })
    expect(rejected.rows.map((r) => r.identifier).sort()).toEqual([...refused].sort())
    expect(rejected.rows.find((r) => r.identifier === id(7))!.message).toBe(
      "'email' is not a valid email address",
    )
    expect(rejected.rows.find((r) => r.identifier === id(42))!.message).toBe(
      "'bio' is longer than 255 characters",
    )
  })

  it('sends changes and additions; a value that became NULL removes the attribute', async () => {
    await source.execute!(
      `UPDATE users SET plan = 'enterprise', tags = ['vip'] WHERE id BETWEEN '${id(1000)}' AND '${id(1999)}'`,
    )
    await source.execute!(
      `UPDATE users SET score = NULL, address = NULL WHERE id BETWEEN '${id(3000)}' AND '${id(3099)}'`,
    )
    await source.execute!(`
      INSERT INTO users
      SELECT 'user-' || lpad(i::VARCHAR, 6, '0'), 'New ' || i, 'n' || i || '@example.com', 'pro', 1, NULL,
             {'city': 'Newtown', 'zip': '00001'}, ['fresh']
      FROM range(${ROWS}, ${ROWS + 500}) t(i)`)
    fake.stats.maxRecordsPerRequest = 0
    const tracked = fake.requestsByEndpoint.track
    const second = await run('users_to_braze', mirror('delete'))
    // The changes and additions, plus the rows Braze refused last time (never acknowledged, so added again).
    expect(second.counts).toMatchObject({ added: 500 + refused.size, changed: 1_100, removed: 0 })
    expect(second.counts.succeeded.upsert).toBe(1_600)
    expect(second.counts.rejected).toEqual({ upsert: refused.size })
    const requests = fake.requestsByEndpoint.track - tracked
    expect(requests).toBeGreaterThanOrEqual(Math.ceil((1_600 + refused.size) / 75))
    expect(requests).toBeLessThanOrEqual(Math.ceil((1_600 + refused.size) / 75) + 2)
    expect(fake.stats.maxRecordsPerRequest).toBeLessThanOrEqual(75)
    await expectBrazeEqualsModel(refused)
    expect(fake.records('users').get(id(3000))).toEqual({
      external_id: id(3000),
      first_name: 'First 3000',
      email: 'u3000@example.com',
      plan: 'free',
      tags: ['vip', 'beta'],
    })
  })

  it('deletes the profiles of removed rows through /users/delete, 50 at a time', async () => {
    await source.execute!(`DELETE FROM users WHERE id BETWEEN '${id(5000)}' AND '${id(5699)}'`)
    await source.execute!(
      `UPDATE users SET email = 'fixed-' || id || '@example.com' WHERE email LIKE 'no-at-sign-%'`,
    )
    await source.execute!(`UPDATE users SET bio = 'short' WHERE bio IS NOT NULL`)
    fake.stats.maxRecordsPerRequest = 0
    const deletes = fake.requestsByEndpoint.delete
    const third = await run('users_to_braze', mirror('delete'))
    expect(third.status).toBe('succeeded')
    expect(third.counts).toMatchObject({ removed: 700, succeeded: { upsert: refused.size, delete: 700 } })
    expect(fake.requestsByEndpoint.delete - deletes).toBeGreaterThanOrEqual(700 / 50)
    expect(fake.stats.maxRecordsPerRequest).toBeLessThanOrEqual(50)
    await expectBrazeEqualsModel(new Set())
    expect(fake.records('users').size).toBe(ROWS + 500 - 700)
    expect(fake.records('users').has(id(5000))).toBe(false)
    expect(fake.records('users').get(id(7))).toMatchObject({ email: `fixed-${id(7)}@example.com` })
  })

  it('clears the mapped attributes of removed rows when the delete behaviour is "clear"', async () => {
    await source.execute!(`CREATE TABLE few AS SELECT * FROM users WHERE id < '${id(300)}'`)
    fake.reset()
    await run('few_to_braze', mirror('clear', 'few'), 'few')
    await expectBrazeEqualsModel(new Set(), 'few')
    await source.execute!(`DELETE FROM few WHERE id < '${id(100)}'`)
    const cleared = await run('few_to_braze', mirror('clear', 'few'), 'few')
    expect(cleared.counts).toMatchObject({ removed: 100, succeeded: { clear: 100 } })
    // The profile stays with its external_id; every mapped attribute, the email too, is gone.
    expect(fake.records('users').get(id(5))).toEqual({ external_id: id(5) })
    expect(fake.records('users').size).toBe(300)
  })
})
