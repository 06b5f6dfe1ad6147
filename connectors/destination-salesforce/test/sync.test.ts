import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { type ModelConfig, type RunSyncOptions, runSync, type SyncConfig } from '@sluice/core'
import { silentLogger } from '@sluice/core/contract'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createTrackingLake, type TrackingLake } from '@sluice/tracking'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeSalesforce } from '../src/fake/index.js'
import { connectSalesforce, salesforce, type WritePath } from '../src/index.js'
import { keyPair } from './keys.js'

/**
 * Whole runs through the engine: a DuckDB model of 25,000 contacts, the embedded state store, the
 * tracking lake, and the connector talking HTTP to the fake org. The first run goes through Bulk API
 * 2.0, a run of 50 changes through sObject Collections, then mirror deletes; after each run the org
 * holds exactly the model, less the rows Salesforce refused.
 */
const ROWS = 25_000
const BAD_EMAILS = [17, 4_242, 12_001, 24_999] // Salesforce refuses these addresses
const TOO_LONG = [99, 20_000] // titles over Contact.Title's 128 characters: invalid, never sent

const keys = keyPair()
const fake = createFakeSalesforce({
  publicKey: keys.publicKey,
  clientId: 'sluice-app',
  users: ['sync@example.com'],
})
const dir = mkdtempSync(join(tmpdir(), 'sluice-salesforce-'))
const source = connectDuckDB({ path: ':memory:' })
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
let lake: TrackingLake
let host: FakeHost
const paths: Array<[WritePath, number]> = []

const sync: SyncConfig = {
  model: 'contacts',
  destination: 'salesforce',
  object: 'Contact',
  behaviour: 'mirror',
  deleteBehaviour: 'delete',
  identifier: { column: 'id', field: 'External_Id__c' },
  mappings: [
    { from: 'last_name', to: 'LastName' },
    { from: 'email', to: 'Email' },
    { from: 'title', to: 'Title' },
  ],
} as SyncConfig
const model = { source: 'warehouse', table: 'contacts' } as ModelConfig

async function run() {
  const destination = connectSalesforce(
    {
      loginUrl: host.url,
      auth: {
        type: 'jwt',
        clientId: 'sluice-app',
        username: 'sync@example.com',
        privateKey: keys.privateKey,
      },
      bulkPollIntervalMs: 20,
    },
    { log: silentLogger },
    { onPath: (path, n) => paths.push([path, n]) },
  )
  paths.length = 0
  try {
    const options: RunSyncOptions = {
      syncName: 'contacts_to_salesforce',
      sync,
      model,
      source,
      sourceCapabilities: duckdbSource.capabilities,
      destination,
      destinationCapabilities: salesforce.capabilities,
      state,
      tracking: lake,
    }
    return (await runSync(options)).run
  } finally {
    await destination.close?.()
  }
}

/** The model's rows as the org should hold them: identifier → fields. */
async function modelRows(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>()
  for await (const chunk of source.query('SELECT id, last_name, email, title FROM contacts')) {
    for (const row of chunk) {
      out.set(String(row.id), { LastName: row.last_name, Email: row.email, Title: row.title })
    }
  }
  return out
}

/** Asserts the org holds the model except the identifiers given, field by field. */
async function expectOrgEqualsModel(except: Set<string>) {
  const expected = await modelRows()
  for (const id of except) expected.delete(id)
  const held = fake.records('Contact')
  expect(held.size).toBe(expected.size)
  const mismatches: string[] = []
  for (const [id, fields] of expected) {
    const record = held.get(id)
    if (!record) mismatches.push(`${id}: missing`)
    else if (
      record.LastName !== fields.LastName ||
      record.Email !== fields.Email ||
      record.Title !== fields.Title
    ) {
      mismatches.push(`${id}: ${JSON.stringify(record)} ≠ ${JSON.stringify(fields)}`)
    }
  }
  expect(mismatches.slice(0, 5)).toEqual([])
}

const id = (n: number) => `CUST-${String(n).padStart(6, '0')}`
const refused = new Set([...BAD_EMAILS, ...TOO_LONG].map(id))

beforeAll(async () => {
  host = await startFakeHost(fake)
  lake = createTrackingLake({ path: join(dir, 'lake') })
  await source.execute!(`
    CREATE TABLE contacts AS
    SELECT 'CUST-' || lpad(i::VARCHAR, 6, '0') AS id,
           'Last ' || i AS last_name,
           CASE WHEN i IN (${BAD_EMAILS.join(',')}) THEN 'no-at-sign-' || i ELSE 'c' || i || '@example.com' END AS email,
           CASE WHEN i IN (${TOO_LONG.join(',')}) THEN repeat('x', 130) ELSE 'Title ' || (i % 7) END AS title
    FROM range(${ROWS}) t(i)`)
})

afterAll(async () => {
  await Promise.allSettled([host?.close(), lake?.close(), state.close(), source.close?.()])
  rmSync(dir, { recursive: true, force: true })
})

describe('runs through the engine', () => {
  it('loads 25,000 contacts through Bulk API 2.0, tracking Salesforce refusals and invalid rows', async () => {
    const first = await run()
    expect(first.status).toBe('partially_succeeded')
    expect(paths.every(([path]) => path === 'bulk')).toBe(true)
    expect(paths.reduce((n, [, records]) => n + records, 0)).toBe(ROWS - TOO_LONG.length)
    await expectOrgEqualsModel(refused)

    const rejected = await lake.records({
      sync: 'contacts_to_salesforce',
      runId: first.id,
      status: 'rejected',
    })
    expect(rejected.rows.map((r) => r.identifier).sort()).toEqual(BAD_EMAILS.map(id).sort())
    const bad = rejected.rows.find((r) => r.identifier === id(17))!
    expect(bad.message).toBe(
      'INVALID_EMAIL_ADDRESS: Email: invalid email address: no-at-sign-17 (fields: Email)',
    )

    const invalid = await lake.sample({ sync: 'contacts_to_salesforce', runId: first.id, status: 'invalid' })
    expect(invalid.map((r) => r.identifier).sort()).toEqual(TOO_LONG.map(id).sort())
    expect(invalid[0]!.message).toBe('Contact.Title allows at most 128 characters; the value has 130')
  })

  it('sends 50 changes through sObject Collections; refused rows are retried and tracked again', async () => {
    await source.execute!(
      `UPDATE contacts SET title = 'Promoted' WHERE id IN (SELECT id FROM contacts ORDER BY id LIMIT 50 OFFSET 1000)`,
    )
    const second = await run()
    expect(paths.every(([path]) => path === 'collections')).toBe(true)
    // 50 changes, plus the 4 rows Salesforce refused last time, retried with the same data.
    expect(paths.reduce((n, [, records]) => n + records, 0)).toBe(50 + BAD_EMAILS.length)
    await expectOrgEqualsModel(refused)
    expect(fake.records('Contact').get(id(1000))).toMatchObject({ Title: 'Promoted' })

    const rejected = await lake.records({
      sync: 'contacts_to_salesforce',
      runId: second.id,
      status: 'rejected',
    })
    expect(rejected.rows.map((r) => r.identifier).sort()).toEqual(BAD_EMAILS.map(id).sort())
    expect(rejected.rows.find((r) => r.identifier === id(4_242))!.message).toBe(
      'INVALID_EMAIL_ADDRESS: Email: invalid email address: no-at-sign-4242 (fields: Email)',
    )
  })

  it('mirrors deletes: rows that left the model leave the org', async () => {
    await source.execute!(
      `DELETE FROM contacts WHERE id IN (SELECT id FROM contacts ORDER BY id LIMIT 30 OFFSET 5000)`,
    )
    await source.execute!(
      `UPDATE contacts SET email = 'fixed-' || id || '@example.com' WHERE email LIKE 'no-at-sign-%'`,
    )
    const third = await run()
    expect(third.status).toBe('partially_succeeded') // the too-long titles are still invalid
    expect(third.counts).toMatchObject({ removed: 30 })
    await expectOrgEqualsModel(new Set(TOO_LONG.map(id)))
    expect(fake.records('Contact').has(id(5000))).toBe(false)
    expect(fake.records('Contact').get(id(17))).toMatchObject({ Email: `fixed-${id(17)}@example.com` })
  })
})

describe('mirror with clear on a custom object', () => {
  const subs: SyncConfig = {
    model: 'subscriptions',
    destination: 'salesforce',
    object: 'Subscription__c',
    behaviour: 'mirror',
    deleteBehaviour: 'clear',
    identifier: { column: 'key', field: 'Subscription_Key__c' },
    mappings: [
      { from: 'plan', to: 'Plan__c' },
      { from: 'seats', to: 'Seats__c' },
      { from: 'notes', to: 'Notes__c' },
    ],
  } as SyncConfig

  async function runSubs() {
    const destination = connectSalesforce(
      {
        loginUrl: host.url,
        auth: {
          type: 'jwt',
          clientId: 'sluice-app',
          username: 'sync@example.com',
          privateKey: keys.privateKey,
        },
      },
      { log: silentLogger },
    )
    try {
      return (
        await runSync({
          syncName: 'subscriptions_to_salesforce',
          sync: subs,
          model: { source: 'warehouse', table: 'subscriptions' } as ModelConfig,
          source,
          sourceCapabilities: duckdbSource.capabilities,
          destination,
          destinationCapabilities: salesforce.capabilities,
          state,
          tracking: lake,
        })
      ).run
    } finally {
      await destination.close?.()
    }
  }

  it('validates restricted picklists, then clears the mapped fields of rows that left the model', async () => {
    await source.execute!(`
      CREATE TABLE subscriptions AS
      SELECT 'SUB-' || i AS key,
             CASE WHEN i = 7 THEN 'Gold' WHEN i % 2 = 0 THEN 'Pro' ELSE 'Free' END AS plan,
             i AS seats,
             'notes ' || i AS notes
      FROM range(100) t(i)`)
    const first = await runSubs()
    expect(first.counts).toMatchObject({ added: 100 })
    const invalid = await lake.sample({
      sync: 'subscriptions_to_salesforce',
      runId: first.id,
      status: 'invalid',
    })
    expect(invalid.map((r) => [r.identifier, r.message])).toEqual([
      [
        'SUB-7',
        '"Gold" is not an allowed value of the restricted picklist Subscription__c.Plan__c (allowed: Free, Pro, Enterprise)',
      ],
    ])
    expect(fake.records('Subscription__c').size).toBe(99)
    expect(fake.records('Subscription__c').get('SUB-4')).toMatchObject({
      Plan__c: 'Pro',
      Seats__c: 4,
      Notes__c: 'notes 4',
    })

    await source.execute!(`DELETE FROM subscriptions WHERE key IN ('SUB-1', 'SUB-2', 'SUB-3')`)
    const second = await runSubs()
    expect(second.counts).toMatchObject({ removed: 3 })
    const held = fake.records('Subscription__c')
    expect(held.size).toBe(99)
    // Plan__c is required: Salesforce keeps it; the nillable mapped fields are emptied.
    expect(held.get('SUB-2')).toMatchObject({ Plan__c: 'Pro', Seats__c: null, Notes__c: null })
    expect(held.get('SUB-4')).toMatchObject({ Seats__c: 4, Notes__c: 'notes 4' })
  })
})
