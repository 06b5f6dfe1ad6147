import { type FakeHost, startFakeHost } from '@sluice/conformance'
import {
  type Destination,
  isSluiceError,
  type OutboundRecord,
  silentLogger,
  type WriteBatch,
} from '@sluice/core/contract'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFakeSalesforce } from '../src/fake/index.js'
import { connectSalesforce, type WritePath } from '../src/index.js'
import { keyPair } from './keys.js'

const keys = keyPair()
const fake = createFakeSalesforce({
  publicKey: keys.publicKey,
  clientId: 'consumer-key',
  users: ['sync@example.com'],
  refreshTokens: ['refresh-123456'],
  bulkPollsUntilComplete: 2,
})
let host: FakeHost
const ctx = { signal: new AbortController().signal, log: silentLogger }
const paths: Array<[WritePath, number]> = []
const open: Destination[] = []

function connect(overrides: Record<string, unknown> = {}): Destination {
  const destination = connectSalesforce(
    {
      loginUrl: host.url,
      auth: {
        type: 'jwt',
        clientId: 'consumer-key',
        username: 'sync@example.com',
        privateKey: keys.privateKey,
      },
      bulkThreshold: 50,
      bulkPollIntervalMs: 10,
      ...overrides,
    } as never,
    ctx,
    { onPath: (path, n) => paths.push([path, n]), retry: { baseDelayMs: 1, maxDelayMs: 5 } },
  )
  open.push(destination)
  return destination
}

const contact = (i: number, extra: Record<string, unknown> = {}): OutboundRecord => ({
  identifier: `C-${i}`,
  fields: {
    External_Id__c: `C-${i}`,
    LastName: `Last ${i}`,
    Email: `c${i}@example.com`,
    ...extra,
  } as OutboundRecord['fields'],
})
const batch = (
  operation: WriteBatch['operation'],
  records: OutboundRecord[],
  object = 'Contact',
  identifierField = 'External_Id__c',
): WriteBatch => ({
  object,
  operation,
  identifierField,
  records,
})
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from)

beforeAll(async () => {
  host = await startFakeHost(fake)
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close?.()))
  fake.reset()
  paths.length = 0
})
afterAll(async () => {
  await host.close()
})

describe('auth', () => {
  it('logs in with a JWT bearer assertion and checks the allocation', async () => {
    await connect().check(ctx)
    expect(fake.tokensIssued).toBeGreaterThanOrEqual(1)
  })

  it('explains invalid_grant for an assertion signed with the wrong key, without the key', async () => {
    const other = keyPair()
    const error = await connect({
      auth: {
        type: 'jwt',
        clientId: 'consumer-key',
        username: 'sync@example.com',
        privateKey: other.privateKey,
      },
    })
      .check(ctx)
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.category).toBe('auth')
    expect(String((error as Error).message)).toMatch(/invalid_grant \(invalid assertion\)/)
    expect(String((error as Error).message)).not.toContain('PRIVATE KEY')
  })

  it('refuses an unknown user and a wrong consumer key with their own errors', async () => {
    const unknownUser = await connect({
      auth: {
        type: 'jwt',
        clientId: 'consumer-key',
        username: 'nobody@example.com',
        privateKey: keys.privateKey,
      },
    })
      .check(ctx)
      .catch((e: Error) => e.message)
    expect(unknownUser).toMatch(/user hasn't approved this consumer/)
    const wrongApp = await connect({
      auth: { type: 'jwt', clientId: 'other-app', username: 'sync@example.com', privateKey: keys.privateKey },
    })
      .check(ctx)
      .catch((e: Error) => e.message)
    expect(wrongApp).toMatch(/invalid_client_id/)
  })

  it('logs in with a refresh token, and says when it is revoked', async () => {
    await connect({
      auth: { type: 'refresh_token', clientId: 'consumer-key', refreshToken: 'refresh-123456' },
    }).check(ctx)
    const error = await connect({
      auth: { type: 'refresh_token', clientId: 'consumer-key', refreshToken: 'revoked-999' },
    })
      .check(ctx)
      .then(() => 'no error')
      .catch((e: Error) => e.message)
    expect(error).toMatch(/invalid_grant \(expired access\/refresh token\)/)
    expect(error).not.toContain('revoked-999')
  })

  it('shows no credential when the token endpoint echoes the request', async () => {
    const refreshToken = '5Aep861Tok/en+with=chars'
    const clientId = '3MVG9consumer.key/with+chars'
    host.faults.echoRequests = 1
    const error = await connect({
      auth: { type: 'refresh_token', clientId, clientSecret: 'consumer-secret-1', refreshToken },
    })
      .check(ctx)
      .then(() => undefined)
      .catch((e: unknown) => e)
    host.faults.echoRequests = undefined
    const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`
    expect(shown).toMatch(/echo of POST \/services\/oauth2\/token/)
    for (const secret of [refreshToken, clientId, 'consumer-secret-1'])
      for (const form of [
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ v: secret }).toString().slice(2),
      ])
        expect(shown).not.toContain(form)
  })

  it('refreshes an expired session once (INVALID_SESSION_ID) and carries on', async () => {
    const destination = connect()
    await destination.check(ctx)
    const before = fake.tokensIssued
    fake.faults.expireTokens = true
    const results = await destination.write(batch('upsert', [contact(1)]), ctx)
    expect(results).toEqual([{ status: 'succeeded' }])
    expect(fake.tokensIssued).toBe(before + 1)
  })

  it('rejects settings that are not valid, naming each path', () => {
    expect(() => connect({ apiVersion: 'latest', bulkThreshold: -1 })).toThrow(
      /apiVersion: .*bulkThreshold: /s,
    )
  })
})

describe('API allocation', () => {
  it('fails the run with a clear message once REQUEST_LIMIT_EXCEEDED is answered', async () => {
    fake.setApiUsage(100, 100)
    const error = await connect()
      .write(batch('upsert', [contact(1)]), ctx)
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.code).toBe('API_ALLOCATION_SPENT')
    expect((error as Error).message).toMatch(/daily API request allocation is spent/)
  })

  it('stops before sending once Sforce-Limit-Info says the allocation is used up', async () => {
    fake.setApiUsage(95, 100)
    const destination = connect()
    await destination.write(
      batch(
        'upsert',
        range(10).map((i) => contact(i)),
      ),
      ctx,
    )
    const requestsBefore = fake.stats.requests
    expect(fake.apiUsage.used).toBe(97) // describe + one Collections request
    fake.setApiUsage(100, 100)
    await destination.write(batch('upsert', [contact(50)]), ctx).catch(() => {})
    // The refusal is learnt from the header of the refused call; after it, nothing more is sent.
    await expect(destination.write(batch('upsert', [contact(51)]), ctx)).rejects.toThrow(/api-usage=100\/100/)
    expect(fake.stats.requests).toBe(requestsBefore + 1)
  })
})

describe('discover and validate', () => {
  it('describes objects with identifier fields, lengths and picklist values', async () => {
    const catalog = await connect().discover(ctx)
    expect(catalog.objects.map((o) => o.name).sort()).toEqual([
      'Account',
      'Contact',
      'Lead',
      'Subscription__c',
    ])
    const sub = catalog.objects.find((o) => o.name === 'Subscription__c')!
    expect(sub.fields.find((f) => f.name === 'Subscription_Key__c')).toMatchObject({
      identifier: true,
      custom: true,
    })
    expect(sub.fields.find((f) => f.name === 'Plan__c')).toMatchObject({
      values: ['Free', 'Pro', 'Enterprise'],
      required: true,
    })
    expect(sub.fields.find((f) => f.name === 'Notes__c')).toMatchObject({ length: 100 })
    expect(sub.behaviours).not.toContain('append')
  })

  it('marks records invalid for unknown, read-only, too long and disallowed values', async () => {
    const destination = connect()
    const records: OutboundRecord[] = [
      { identifier: 'S-1', fields: { Subscription_Key__c: 'S-1', Plan__c: 'Pro', Notes__c: 'fine' } },
      { identifier: 'S-2', fields: { Subscription_Key__c: 'S-2', Plan__c: 'Pro', Colour__c: 'red' } },
      {
        identifier: 'S-3',
        fields: { Subscription_Key__c: 'S-3', Plan__c: 'Pro', Notes__c: 'x'.repeat(101) },
      },
      { identifier: 'S-4', fields: { Subscription_Key__c: 'S-4', Plan__c: 'Gold' } },
      {
        identifier: 'S-5',
        fields: { Subscription_Key__c: 'S-5', Plan__c: 'Pro', CreatedDate: '2024-01-01T00:00:00Z' },
      },
      { identifier: 'S-6', fields: { Subscription_Key__c: 'S-6', Plan__c: 'Pro', Seats__c: 'many' } },
    ]
    const reasons = await destination.validate!(
      batch('upsert', records, 'Subscription__c', 'Subscription_Key__c'),
      ctx,
    )
    expect(reasons[0]).toBeUndefined()
    expect(reasons[1]).toBe('Subscription__c has no field "Colour__c"')
    expect(reasons[2]).toBe('Subscription__c.Notes__c allows at most 100 characters; the value has 101')
    expect(reasons[3]).toMatch(
      /"Gold" is not an allowed value of the restricted picklist Subscription__c.Plan__c \(allowed: Free, Pro, Enterprise\)/,
    )
    expect(reasons[4]).toMatch(/CreatedDate cannot be set on new records/)
    expect(reasons[5]).toMatch(/Seats__c is a number field/)
  })

  it('fails the batch with a config error for an unknown object or a non-external-ID identifier', async () => {
    const destination = connect()
    await expect(
      destination.validate!(batch('upsert', [contact(1)], 'Opportunity'), ctx),
    ).rejects.toMatchObject({
      category: 'config',
      code: 'UNKNOWN_OBJECT',
    })
    await expect(
      destination.validate!(batch('upsert', [contact(1)], 'Contact', 'Email'), ctx),
    ).rejects.toThrow(/Contact.Email is not an external ID field.*Match on one of: Id, External_Id__c/)
  })
})

describe('sObject Collections path', () => {
  it('upserts, reporting per-record errors in order, and the org holds exactly the sent values', async () => {
    const destination = connect()
    fake.faults.rejectWhere = (r) => (r.Email === 'c3@example.com' ? 'Email domain is blocked' : undefined)
    const records = [
      contact(1),
      contact(2),
      { identifier: 'C-x', fields: { External_Id__c: 'C-x', Email: 'x@example.com' } },
      contact(3),
    ]
    const results = await destination.write(batch('upsert', records), ctx)
    expect(results).toEqual([
      { status: 'succeeded' },
      { status: 'succeeded' },
      {
        status: 'rejected',
        reason: 'REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)',
      },
      { status: 'rejected', reason: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Email domain is blocked' },
    ])
    expect(paths).toEqual([['collections', 4]])
    const held = fake.records('Contact')
    expect([...held.keys()].sort()).toEqual(['C-1', 'C-2'])
    expect(held.get('C-1')).toMatchObject({
      LastName: 'Last 1',
      Email: 'c1@example.com',
      External_Id__c: 'C-1',
    })
  })

  it('splits a batch into requests of at most 200 records', async () => {
    const results = await connect({ bulkThreshold: 1000 }).write(
      batch(
        'upsert',
        range(450).map((i) => contact(i)),
      ),
      ctx,
    )
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.stats.maxRecordsPerRequest).toBe(200)
    expect(fake.records('Contact').size).toBe(450)
  })

  it('updates by external ID after looking up Ids; a missing record is rejected', async () => {
    const destination = connect()
    await destination.write(batch('upsert', [contact(1), contact(2)]), ctx)
    const results = await destination.write(
      batch('update', [contact(1, { Title: 'CEO' }), contact(9, { Title: 'CTO' })]),
      ctx,
    )
    expect(results).toEqual([
      { status: 'succeeded' },
      { status: 'rejected', reason: 'no Contact record has External_Id__c = "C-9"' },
    ])
    expect(fake.records('Contact').get('C-1')).toMatchObject({ Title: 'CEO' })
    expect(fake.records('Contact').has('C-9')).toBe(false)
  })

  it('creates, and a second create of the same external ID is DUPLICATE_VALUE', async () => {
    const destination = connect()
    expect(await destination.write(batch('create', [contact(1)]), ctx)).toEqual([{ status: 'succeeded' }])
    const [again] = await destination.write(batch('create', [contact(1)]), ctx)
    expect(again).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^DUPLICATE_VALUE: duplicate value found: External_Id__c/),
    })
  })

  it('a create whose answer was lost is sent again, and its unique key keeps it single', async () => {
    const destination = connect()
    await destination.write(batch('upsert', [contact(0)]), ctx) // logged in before the fault
    host.faults.loseAnswers = 1
    expect(await destination.write(batch('create', [contact(1), contact(2)]), ctx)).toEqual([
      { status: 'succeeded' },
      { status: 'succeeded' },
    ])
    expect(fake.records('Contact').size).toBe(3)
    expect(host.traffic.injected.lost).toBe(1)
  })

  it('clears mapped fields, keeping required ones', async () => {
    const destination = connect()
    await destination.write(batch('upsert', [contact(1, { Title: 'CEO' })]), ctx)
    const cleared = await destination.write(
      batch('clear', [
        { identifier: 'C-1', fields: { External_Id__c: 'C-1', LastName: null, Email: null, Title: null } },
      ]),
      ctx,
    )
    expect(cleared).toEqual([{ status: 'succeeded' }])
    expect(fake.records('Contact').get('C-1')).toMatchObject({ LastName: 'Last 1', Email: null, Title: null })
  })

  it('deletes by external ID and by Id; an already-deleted record counts as deleted', async () => {
    const destination = connect()
    await destination.write(
      batch(
        'upsert',
        range(3).map((i) => contact(i)),
      ),
      ctx,
    )
    const id2 = String(fake.find('Contact', 'External_Id__c', 'C-2')!.Id)
    const byExternalId = await destination.write(batch('delete', [contact(0), contact(7)]), ctx)
    expect(byExternalId).toEqual([{ status: 'succeeded' }, { status: 'succeeded' }])
    const byId = await destination.write(
      batch(
        'delete',
        [
          { identifier: id2, fields: { Id: id2 } },
          { identifier: id2.slice(0, 15), fields: { Id: id2.slice(0, 15) } },
        ],
        'Contact',
        'Id',
      ),
      ctx,
    )
    expect(byId.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect([...fake.records('Contact').keys()]).toEqual(['C-1'])
  })

  it('updates by Id', async () => {
    const destination = connect()
    await destination.write(batch('upsert', [contact(1)]), ctx)
    const id = String(fake.find('Contact', 'External_Id__c', 'C-1')!.Id)
    const results = await destination.write(
      batch(
        'upsert',
        [
          { identifier: id, fields: { Id: id, Title: 'VP' } },
          { identifier: '003000000000000AAA', fields: { Id: '003000000000000AAA', Title: 'VP' } },
        ],
        'Contact',
        'Id',
      ),
      ctx,
    )
    expect(results[0]).toEqual({ status: 'succeeded' })
    expect(results[1]).toMatchObject({ status: 'rejected' })
    expect(fake.records('Contact').get('C-1')).toMatchObject({ Title: 'VP' })
  })
})

describe('Bulk API 2.0 path', () => {
  it('upserts above the threshold and matches shuffled results back to input order', async () => {
    const destination = connect()
    fake.faults.rejectWhere = (r) =>
      String(r.Email).startsWith('c7') ? `blocked ${String(r.Email)}` : undefined
    const records = range(120).map((i) =>
      i % 25 === 3 ? { identifier: `C-${i}`, fields: { External_Id__c: `C-${i}` } } : contact(i),
    )
    const results = await destination.write(batch('upsert', records), ctx)
    expect(paths).toEqual([['bulk', 120]])
    records.forEach((record, i) => {
      const email = String(record.fields.Email ?? '')
      if (i % 25 === 3) {
        expect(results[i]).toEqual({
          status: 'rejected',
          reason: 'REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)',
        })
      } else if (email.startsWith('c7')) {
        expect(results[i]).toEqual({
          status: 'rejected',
          reason: `FIELD_CUSTOM_VALIDATION_EXCEPTION: blocked ${email}`,
        })
      } else {
        expect(results[i]).toEqual({ status: 'succeeded' })
      }
    })
    const [job] = fake.jobs()
    expect(job).toMatchObject({
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      state: 'JobComplete',
    })
    const held = fake.records('Contact')
    expect(held.size).toBe(results.filter((r) => r.status === 'succeeded').length)
    expect(held.get('C-0')).toMatchObject({ LastName: 'Last 0', Email: 'c0@example.com' })
  })

  it('clears with #N/A and deletes through jobs, matching results by Id', async () => {
    const destination = connect()
    await destination.write(
      batch(
        'upsert',
        range(80).map((i) => contact(i, { Title: 'T' })),
      ),
      ctx,
    )
    const cleared = await destination.write(
      batch(
        'clear',
        range(60).map((i) => ({
          identifier: `C-${i}`,
          fields: { External_Id__c: `C-${i}`, Title: null, Email: null },
        })),
      ),
      ctx,
    )
    expect(cleared.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.records('Contact').get('C-5')).toMatchObject({ Title: null, Email: null, LastName: 'Last 5' })
    expect(fake.records('Contact').get('C-70')).toMatchObject({ Title: 'T' })
    const deleted = await destination.write(
      batch(
        'delete',
        range(70).map((i) => contact(i)),
      ),
      ctx,
    )
    expect(deleted.every((r) => r.status === 'succeeded')).toBe(true)
    expect([...fake.records('Contact').keys()].sort()).toEqual(
      range(10, 70)
        .map((i) => `C-${i}`)
        .sort(),
    )
    expect(fake.jobs().map((j) => j.operation)).toEqual(['upsert', 'update', 'delete'])
  })

  it('fails the run with the job error when Salesforce fails the whole job', async () => {
    const destination = connect({ bulkThreshold: 0 })
    // Skips validation on purpose, as a mapping changed after it ran would.
    const error = await destination
      .write(batch('upsert', [contact(1, { Shoe_Size__c: 9 })]), ctx)
      .catch((e: unknown) => e)
    expect(isSluiceError(error) && error.category).toBe('config')
    expect((error as Error).message).toMatch(/InvalidBatch : Field name not found : Shoe_Size__c/)
  })
})

describe('a Bulk job that does not finish', () => {
  it('is aborted after bulkTimeoutMs, or when the run is cancelled', async () => {
    const slow = createFakeSalesforce({
      publicKey: keys.publicKey,
      clientId: 'consumer-key',
      users: ['sync@example.com'],
      bulkPollsUntilComplete: 1_000_000,
    })
    const slowHost = await startFakeHost(slow)
    const destination = connectSalesforce(
      {
        loginUrl: slowHost.url,
        auth: {
          type: 'jwt',
          clientId: 'consumer-key',
          username: 'sync@example.com',
          privateKey: keys.privateKey,
        },
        bulkThreshold: 0,
        bulkPollIntervalMs: 10,
        bulkMaxPollIntervalMs: 40,
        bulkTimeoutMs: 1000,
      },
      ctx,
    )
    try {
      await expect(destination.write(batch('upsert', [contact(1)]), ctx)).rejects.toMatchObject({
        code: 'BULK_JOB_TIMEOUT',
        message: expect.stringMatching(/was still InProgress after 1 s; it was aborted/),
      })
      expect(slow.jobs()[0]!.state).toBe('Aborted')

      const controller = new AbortController()
      const pending = destination.write(batch('upsert', [contact(2)]), {
        signal: controller.signal,
        log: silentLogger,
      })
      setTimeout(() => controller.abort(), 100)
      await expect(pending).rejects.toMatchObject({ category: 'cancelled' })
      expect(slow.jobs()[1]!.state).toBe('Aborted')
      expect(slow.records('Contact').size).toBe(0)
    } finally {
      await destination.close?.()
      await slowHost.close()
    }
  })
})
