import { type FakeHost, startFakeHost } from '@sluice/conformance'
import {
  type ConnectorContext,
  type Destination,
  type OutboundRecord,
  silentLogger,
  type WriteBatch,
} from '@sluice/core/contract'
import { HttpResponse, http } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFakeBraze, FAKE_BRAZE_API_KEY } from '../src/fake/index.js'
import { braze } from '../src/index.js'

const ctx: ConnectorContext = { signal: new AbortController().signal, log: silentLogger }
const fake = createFakeBraze()
let server: FakeHost
const open: Destination[] = []

beforeAll(async () => {
  server = await startFakeHost(fake)
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close?.()))
  fake.reset()
})
afterAll(() => server.close())

function connect(overrides: Record<string, unknown> = {}, url = server.url): Destination {
  const destination = braze.connect(
    { apiKey: FAKE_BRAZE_API_KEY, instanceUrl: url, allowCustomEndpoint: true, ...overrides },
    ctx,
  )
  open.push(destination)
  return destination
}

const users = (n: number, fields: (i: number) => Record<string, unknown> = () => ({})): OutboundRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    identifier: `u${i}`,
    fields: { external_id: `u${i}`, ...fields(i) } as OutboundRecord['fields'],
  }))

const batch = (
  operation: WriteBatch['operation'],
  records: OutboundRecord[],
  more: Partial<WriteBatch> = {},
) => ({
  object: 'users',
  operation,
  identifierField: 'external_id',
  records,
  ...more,
})

describe('Braze destination against the fake Braze API', () => {
  it('upserts users in requests of at most 75 objects', async () => {
    const results = await connect().write(
      batch(
        'upsert',
        users(200, (i) => ({ first_name: `N${i}`, score: i })),
      ),
      ctx,
    )
    expect(results).toHaveLength(200)
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.requestsByEndpoint.track).toBe(3)
    expect(fake.stats.maxRecordsPerRequest).toBe(75)
    expect(fake.records('users').get('u199')).toEqual({ external_id: 'u199', first_name: 'N199', score: 199 })
  })

  it('uses the configured object limit', async () => {
    await connect({ batching: { objectsPerRequest: 50 } }).write(batch('upsert', users(120)), ctx)
    expect(fake.requestsByEndpoint.track).toBe(3)
    expect(fake.stats.maxRecordsPerRequest).toBe(50)
  })

  it("rejects exactly the records Braze refuses, with Braze's reason, and applies the rest", async () => {
    const records = users(6, (i) => ({
      ...(i === 1 ? { email: 'not-an-email' } : {}),
      ...(i === 4 ? { bio: 'x'.repeat(300) } : {}),
      plan: 'pro',
    }))
    const results = await connect().write(batch('upsert', records), ctx)
    expect(results.map((r) => r.status)).toEqual([
      'succeeded',
      'rejected',
      'succeeded',
      'succeeded',
      'rejected',
      'succeeded',
    ])
    expect(results[1]).toEqual({ status: 'rejected', reason: "'email' is not a valid email address" })
    expect(results[4]).toEqual({ status: 'rejected', reason: "'bio' is longer than 255 characters" })
    expect([...fake.records('users').keys()].sort()).toEqual(['u0', 'u2', 'u3', 'u5'])
  })

  it('rejects every record of a request in which Braze found nothing valid, without failing the run', async () => {
    const records = users(3, () => ({ email: 'nope' }))
    const results = await connect().write(batch('upsert', records), ctx)
    expect(results).toEqual(
      records.map(() => ({ status: 'rejected', reason: "'email' is not a valid email address" })),
    )
  })

  it('sends /users/track as JSON: its content type, and the text of the body it packed', async () => {
    const seen: Array<{ type: string | null; text: string }> = []
    const capturing = await startFakeHost([
      http.post('*/users/track', async ({ request }) => {
        seen.push({ type: request.headers.get('content-type'), text: await request.text() })
        return HttpResponse.json({ message: 'success', attributes_processed: 2 }, { status: 201 })
      }),
    ])
    try {
      const records = users(2, (i) => ({ first_name: `N "${i}"`, big: 9007199254740993n + BigInt(i) }))
      const results = await connect({}, capturing.url).write(batch('upsert', records), ctx)
      expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
      expect(seen).toEqual([
        {
          type: 'application/json',
          text:
            '{"attributes":[{"external_id":"u0","first_name":"N \\"0\\"","big":9007199254740993,"_update_existing_only":false},' +
            '{"external_id":"u1","first_name":"N \\"1\\"","big":9007199254740994,"_update_existing_only":false}]}',
        },
      ])
    } finally {
      await capturing.close()
    }
  })

  it('sends again, once, the objects of a 400 that named only some of them', async () => {
    let calls = 0
    const flaky = await startFakeHost([
      http.post('*/users/track', async ({ request }) => {
        calls += 1
        const body = (await request.json()) as { attributes: Array<{ external_id: string }> }
        if (calls === 1) {
          return HttpResponse.json(
            {
              message: 'Valid data must be provided',
              errors: [{ type: 'bad one', input_array: 'attributes', index: 1 }],
            },
            { status: 400 },
          )
        }
        expect(body.attributes.map((a) => a.external_id)).toEqual(['u0', 'u2'])
        return HttpResponse.json({ message: 'success', attributes_processed: 2 }, { status: 201 })
      }),
    ])
    try {
      const results = await connect({}, flaky.url).write(batch('upsert', users(3)), ctx)
      expect(results).toEqual([
        { status: 'succeeded' },
        { status: 'rejected', reason: 'bad one' },
        { status: 'succeeded' },
      ])
      expect(calls).toBe(2)
    } finally {
      await flaky.close()
    }
  })

  it('updates existing users only', async () => {
    const destination = connect()
    await destination.write(batch('upsert', users(2)), ctx)
    const results = await destination.write(
      batch(
        'update',
        users(4, () => ({ plan: 'gold' })),
      ),
      ctx,
    )
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect([...fake.records('users').keys()].sort()).toEqual(['u0', 'u1'])
    expect(fake.records('users').get('u1')).toEqual({ external_id: 'u1', plan: 'gold' })
  })

  it('clears mapped fields of removed rows with null, and deletes profiles in groups of 50', async () => {
    const destination = connect()
    await destination.write(
      batch(
        'upsert',
        users(120, (i) => ({ plan: 'pro', address: { city: `C${i}` }, tags: ['a'] })),
      ),
      ctx,
    )
    const cleared = await destination.write(
      batch(
        'clear',
        users(2, () => ({ plan: null, address: { city: null }, tags: null })),
      ),
      ctx,
    )
    expect(cleared.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.records('users').get('u0')).toEqual({ external_id: 'u0' })
    expect(fake.records('users').get('u2')).toMatchObject({ plan: 'pro', address: { city: 'C2' } })

    const removed = users(120).slice(2, 112)
    const results = await destination.write(batch('delete', removed), ctx)
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.requestsByEndpoint.delete).toBe(3)
    expect(fake.stats.maxRecordsPerRequest).toBe(75)
    expect([...fake.records('users').keys()].sort()).toEqual(
      [
        'u0',
        'u1',
        ...users(120)
          .slice(112)
          .map((u) => u.identifier),
      ].sort(),
    )
  })

  it('creates alias-only profiles on upsert and deletes them by alias', async () => {
    const destination = connect({ userAliasLabel: 'crm_id' })
    const records = [{ identifier: 'c-1', fields: { user_alias: 'c-1', plan: 'pro' } }]
    await destination.write(batch('upsert', records, { identifierField: 'user_alias' }), ctx)
    expect(fake.user({ user_alias: { alias_name: 'c-1', alias_label: 'crm_id' } })).toMatchObject({
      user_aliases: [{ alias_name: 'c-1', alias_label: 'crm_id' }],
    })
    await destination.write(batch('delete', records, { identifierField: 'user_alias' }), ctx)
    expect(fake.records('users').size).toBe(0)
  })

  it('matches and deletes users by email, with the configured prioritization', async () => {
    const destination = connect({ deletePrioritization: ['identified', 'most_recently_updated'] })
    const byEmail = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        identifier: `p${i}@example.com`,
        fields: { email: `p${i}@example.com`, plan: 'pro' },
      }))
    await destination.write(batch('upsert', byEmail(60), { identifierField: 'email' }), ctx)
    expect(fake.users()).toHaveLength(60)
    expect(fake.user({ email: 'p3@example.com' })).toMatchObject({
      email: 'p3@example.com',
      custom_attributes: { plan: 'pro' },
    })
    const results = await destination.write(batch('delete', byEmail(55), { identifierField: 'email' }), ctx)
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.requestsByEndpoint.delete).toBe(2)
    expect(
      fake
        .users()
        .map((u) => u.email)
        .sort(),
    ).toEqual(['p55@example.com', 'p56@example.com', 'p57@example.com', 'p58@example.com', 'p59@example.com'])
  })

  it('writes subscription group states mapped as subscription_groups.<id>', async () => {
    const records = [
      { identifier: 'u1', fields: { external_id: 'u1', subscription_groups: { news: true, promos: false } } },
    ]
    await connect().write(batch('upsert', records), ctx)
    expect(fake.subscriptionGroups({ external_id: 'u1' })).toEqual({
      news: 'subscribed',
      promos: 'unsubscribed',
    })
  })

  it('appends events, with extra fields as properties', async () => {
    const records = Array.from({ length: 80 }, (_, i) => ({
      identifier: `e${i}`,
      fields: {
        event_id: `e${i}`,
        external_id: `u${i % 3}`,
        name: 'ordered',
        time: '2024-05-01T10:00:00Z',
        total: i,
      },
    }))
    const results = await connect().write(
      { object: 'events', operation: 'append', identifierField: 'event_id', records },
      ctx,
    )
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.events()).toHaveLength(80)
    expect(fake.events()[79]).toMatchObject({
      external_id: 'u1',
      name: 'ordered',
      properties: { event_id: 'e79', total: 79 },
    })
  })

  it('keeps requests under 4 MB by splitting on size as well as count', async () => {
    // 75 users of ~80 KB each would be a 6 MB request.
    const records = users(75, (i) => ({
      history: Array.from({ length: 400 }, (_, j) => `${i}-${j}-${'x'.repeat(190)}`),
    }))
    const results = await connect().write(batch('upsert', records), ctx)
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.requestsByEndpoint.track).toBe(2)
    expect(fake.records('users').size).toBe(75)
  })

  it('fails the run with Braze message when the key is wrong', async () => {
    const destination = connect({ apiKey: 'wrong-key' })
    const failure = { category: 'auth', code: 'UNAUTHORIZED', component: 'braze' }
    await expect(destination.write(batch('upsert', users(1)), ctx)).rejects.toMatchObject(failure)
    await expect(destination.check(ctx)).rejects.toMatchObject(failure)
    await expect(destination.write(batch('upsert', users(1)), ctx)).rejects.toThrow(/REST API Key/)
    expect(fake.records('users').size).toBe(0)
  })

  it('never lets the key into an error, even when Braze echoes it', async () => {
    const secretKey = 'braze-rest-key-0123456789abcdef'
    const echoing = await startFakeHost([
      http.post('*/users/track', ({ request }) =>
        HttpResponse.json(
          { message: `Invalid API key: ${request.headers.get('authorization')?.replace('Bearer ', '')}` },
          { status: 401 },
        ),
      ),
    ])
    try {
      const error = await connect({ apiKey: secretKey }, echoing.url)
        .write(batch('upsert', users(1)), ctx)
        .catch((e: Error) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toContain('Invalid API key: ***')
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
        secretKey,
      )
    } finally {
      await echoing.close()
    }
  })

  it('sends attributes again after a 202 "queued", but not events', async () => {
    const destination = connect()
    fake.queueNext(1)
    const records = users(2, (i) => (i === 1 ? { email: 'bad' } : {}))
    const results = await destination.write(batch('upsert', records), ctx)
    expect(results[1]).toEqual({ status: 'rejected', reason: "'email' is not a valid email address" })
    expect(fake.requestsByEndpoint.track).toBe(2)

    fake.queueNext(1)
    const events = [
      { identifier: 'u0', fields: { external_id: 'u0', name: 'x', time: '2024-01-01T00:00:00Z' } },
    ]
    const appended = await destination.write(
      { object: 'events', operation: 'append', identifierField: 'external_id', records: events },
      ctx,
    )
    expect(appended).toEqual([{ status: 'succeeded' }])
    expect(fake.requestsByEndpoint.track).toBe(3)
    expect(fake.events()).toHaveLength(1)
  })

  it('sends events again after a lost answer and counts them as possibly duplicated, not after a 429', async () => {
    const destination = connect()
    const events = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        identifier: `e${i}`,
        fields: { external_id: `u${i}`, name: 'x', time: '2024-01-01T00:00:00Z' },
      }))
    const append = (records: OutboundRecord[]) =>
      destination.write(
        { object: 'events', operation: 'append', identifierField: 'external_id', records },
        ctx,
      )

    server.faults.loseAnswers = 1
    const lost = await append(events(2))
    expect(lost).toEqual([
      { status: 'succeeded', possiblyDuplicated: true },
      { status: 'succeeded', possiblyDuplicated: true },
    ])
    expect(fake.events()).toHaveLength(4)

    // Every second request is refused with 429: one of these two meets one, and a 429 applied nothing.
    server.resetTraffic()
    server.faults.rateLimitEvery = { n: 2, retryAfterSeconds: 0 }
    const limited = [...(await append(events(1))), ...(await append(events(1)))]
    server.faults.rateLimitEvery = undefined
    expect(server.traffic.injected.rateLimited).toBeGreaterThan(0)
    expect(limited).toEqual([{ status: 'succeeded' }, { status: 'succeeded' }])
    expect(fake.events()).toHaveLength(6)

    // Attributes are idempotent: sending them again after a lost answer is harmless.
    server.faults.loseAnswers = 1
    expect(await destination.write(batch('upsert', users(1)), ctx)).toEqual([{ status: 'succeeded' }])
  })

  it('stays within the configured rate limit, and waits out a stricter one', async () => {
    const strict = createFakeBraze({ rateLimits: { track: { requests: 4, perMs: 1_000 } } })
    const strictServer = await startFakeHost(strict)
    try {
      const within = connect({ rateLimit: { track: { requests: 4, perMs: 1_000 } } }, strictServer.url)
      const results = await within.write(batch('upsert', users(6 * 75)), ctx)
      expect(results.every((r) => r.status === 'succeeded')).toBe(true)
      expect(strict.stats.rateLimited).toBe(0)

      strict.reset()
      const careless = connect({ rateLimit: { track: { requests: 1_000, perMs: 1_000 } } }, strictServer.url)
      const again = await careless.write(batch('upsert', users(6 * 75)), ctx)
      // The first answers reveal the stricter quota: the client paces to it and pauses on
      // X-RateLimit-Remaining; every record arrives.
      expect(again.every((r) => r.status === 'succeeded')).toBe(true)
      expect(strict.records('users').size).toBe(450)
    } finally {
      await strictServer.close()
    }
  })

  it('pauses when X-RateLimit-Remaining reaches 0, until X-RateLimit-Reset, before Braze says 429', async () => {
    // A quota smaller than the one configured, as when other senders share the workspace's.
    const shared = createFakeBraze({ rateLimits: { track: { requests: 3, perMs: 1_000 } } })
    const sharedServer = await startFakeHost(shared)
    try {
      const destination = connect(
        { rateLimit: { track: { requests: 1_000, perMs: 1_000 } } },
        sharedServer.url,
      )
      for (const record of users(7)) {
        expect(await destination.write(batch('upsert', [record]), ctx)).toEqual([{ status: 'succeeded' }])
      }
      expect(shared.stats.rateLimited).toBe(0)
      expect(shared.records('users').size).toBe(7)
      const seconds = new Set(sharedServer.traffic.log.map((r) => Math.floor(r.at / 1_000)))
      expect(seconds.size).toBeGreaterThanOrEqual(3)
    } finally {
      await sharedServer.close()
    }
  })

  it('learns a quota a tenth of the configured one from the answers: every record arrives, few 429s', async () => {
    // The workspace's real quota is 10 a second; the connector is configured for 100, as documented.
    const small = createFakeBraze({ rateLimits: { track: { requests: 10, perMs: 1_000 } } })
    const smallServer = await startFakeHost(small)
    try {
      const destination = connect({ rateLimit: { track: { requests: 100, perMs: 1_000 } } }, smallServer.url)
      const results = await destination.write(batch('upsert', users(25 * 75)), ctx)
      expect(results.every((r) => r.status === 'succeeded')).toBe(true)
      expect(small.records('users').size).toBe(25 * 75)
      // Sending the whole in-flight window into the spent quota earned more 429s than successes; paced
      // to the learned quota, at most a stray one meets a window's edge.
      expect(small.stats.rateLimited).toBeLessThanOrEqual(2)
    } finally {
      await smallServer.close()
    }
  })

  it('discovers users with standard and custom attributes, and events', async () => {
    const destination = connect()
    await destination.write(
      batch(
        'upsert',
        users(1, () => ({ loyalty_tier: 'gold', points: 3, first_name: 'A' })),
      ),
      ctx,
    )
    await destination.check(ctx)
    const catalog = await destination.discover(ctx)
    expect(catalog.objects.map((o) => o.name)).toEqual(['users', 'events'])
    const fields = catalog.objects[0]!.fields
    expect(fields.find((f) => f.name === 'external_id')).toMatchObject({ identifier: true })
    expect(fields.find((f) => f.name === 'email_subscribe')).toMatchObject({ type: 'picklist' })
    expect(fields.filter((f) => f.custom)).toEqual([
      { name: 'loyalty_tier', type: 'string', custom: true, createable: true, updateable: true },
      { name: 'points', type: 'number', custom: true, createable: true, updateable: true },
    ])
    // every user attribute is written on create and on update, except the id Braze assigns
    for (const field of fields.filter((f) => f.name !== 'braze_id'))
      expect([field.name, field.createable, field.updateable]).toEqual([field.name, true, true])
    expect(fields.find((f) => f.name === 'braze_id')).toMatchObject({ createable: false, updateable: false })
    expect(catalog.objects[1]!.behaviours).toEqual(['append'])
    // an event is logged once and never changed
    for (const field of catalog.objects[1]!.fields)
      expect([field.name, field.createable, field.updateable]).toEqual([field.name, true, false])
  })

  it('discovers every custom attribute, page after page', async () => {
    const destination = connect()
    const wide = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`attr_${String(i).padStart(3, '0')}`, i]),
    )
    await destination.write(
      batch(
        'upsert',
        users(1, () => wide),
      ),
      ctx,
    )
    const fields = (await destination.discover(ctx)).objects[0]!.fields.filter((f) => f.custom)
    expect(fields.map((f) => f.name)).toEqual(Object.keys(wide))
    expect(fake.requestsByEndpoint.customAttributes).toBe(3)
  })

  it('validates records before sending', async () => {
    const destination = connect()
    const reasons = await destination.validate!(
      {
        object: 'events',
        operation: 'append',
        identifierField: 'external_id',
        records: [
          { identifier: 'u1', fields: { external_id: 'u1', name: 'ok' } },
          { identifier: 'u2', fields: { external_id: 'u2' } },
        ],
      },
      ctx,
    )
    expect(reasons).toEqual([undefined, 'name is required: map the event name'])
  })

  it('refuses objects and operations Braze does not have', async () => {
    const destination = connect()
    await expect(destination.write(batch('create', users(1)), ctx)).rejects.toMatchObject({
      code: 'UNSUPPORTED_OPERATION',
    })
    await expect(
      destination.write(batch('upsert', users(1), { object: 'accounts' }), ctx),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_OBJECT',
    })
    await expect(
      destination.write(batch('upsert', users(1), { identifierField: 'crm_id' }), ctx),
    ).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    })
  })
})
