import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFakeBraze, FAKE_BRAZE_API_KEY } from '../src/fake/index.js'

const fake = createFakeBraze({ rateLimits: { exportIds: { requests: 10_000, perMs: 1_000 } } })
let server: FakeHost

beforeAll(async () => {
  server = await startFakeHost(fake)
})
afterAll(() => server.close())
afterEach(() => fake.reset())

async function call(path: string, body?: unknown, key = FAKE_BRAZE_API_KEY) {
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: answers are read loosely, as the assertions check them
    body: (await response.json()) as Record<string, any>,
  }
}

const track = (body: unknown) => call('/users/track', body)

describe('the fake Braze API: auth', () => {
  it('answers 401 with a message for a wrong or missing key', async () => {
    const wrong = await call('/users/track', { attributes: [{ external_id: 'u1' }] }, 'not-the-key')
    expect(wrong.status).toBe(401)
    expect(wrong.body.message).toMatch(/REST API Key/)
    expect(fake.records('users').size).toBe(0)
  })

  it('treats the next request as expired when the kit says so, then works again', async () => {
    fake.faults.expireTokens = true
    expect((await track({ attributes: [{ external_id: 'u1', a: 1 }] })).status).toBe(401)
    expect((await track({ attributes: [{ external_id: 'u1', a: 1 }] })).status).toBe(201)
  })
})

describe('the fake Braze API: /users/track attributes', () => {
  it('creates and updates profiles, removes attributes set to null, keeps nested objects', async () => {
    const first = await track({
      attributes: [
        { external_id: 'u1', first_name: 'Ada', plan: 'pro', address: { city: 'Paris', zip: '75001' } },
        { external_id: 'u2', first_name: 'Bo' },
      ],
    })
    expect(first).toMatchObject({ status: 201, body: { message: 'success', attributes_processed: 2 } })
    expect(first.body.errors).toBeUndefined()

    await track({ attributes: [{ external_id: 'u1', plan: null, first_name: 'Ada L.' }] })
    expect(fake.records('users').get('u1')).toEqual({
      external_id: 'u1',
      first_name: 'Ada L.',
      address: { city: 'Paris', zip: '75001' },
    })
    const exported = await call('/users/export/ids', { external_ids: ['u1', 'nobody'] })
    expect(exported.body.users).toHaveLength(1)
    expect(exported.body.users[0]).toMatchObject({
      external_id: 'u1',
      first_name: 'Ada L.',
      custom_attributes: { address: { city: 'Paris', zip: '75001' } },
    })
    expect(exported.body.invalid_user_ids).toEqual(['nobody'])
  })

  it('adds to and removes from array attributes as sets, and increments numbers', async () => {
    await track({ attributes: [{ external_id: 'u1', tags: ['a', 'b', 'a'], visits: 1 }] })
    await track({ attributes: [{ external_id: 'u1', tags: { add: ['c', 'a'] }, visits: { inc: 2 } }] })
    await track({ attributes: [{ external_id: 'u1', tags: { remove: ['b'] } }] })
    expect(fake.records('users').get('u1')).toMatchObject({ tags: ['c', 'a'], visits: 3 })
  })

  it('adds, removes and updates objects of an array by $identifier_key, in that order', async () => {
    await track({
      attributes: [
        {
          external_id: 'u1',
          pets: [
            { id: 1, name: 'Gus' },
            { id: 2, name: 'Gerald' },
          ],
        },
      ],
    })
    await track({
      attributes: [
        {
          external_id: 'u1',
          _merge_objects: true,
          pets: {
            $add: [{ id: 3, name: 'Rex' }],
            $remove: [{ $identifier_key: 'id', $identifier_value: 1 }],
            $update: [{ $identifier_key: 'id', $identifier_value: 3, $new_object: { age: 4 } }],
          },
        },
      ],
    })
    expect(fake.records('users').get('u1')?.pets).toEqual([
      { id: 2, name: 'Gerald' },
      { id: 3, name: 'Rex', age: 4 },
    ])
  })

  it('leaves profiles alone in update-only mode and needs an explicit false to create an alias-only profile', async () => {
    await track({
      attributes: [
        { external_id: 'ghost', _update_existing_only: true, first_name: 'X' },
        { user_alias: { alias_name: 'd1', alias_label: 'device' }, first_name: 'Y' },
        {
          user_alias: { alias_name: 'd2', alias_label: 'device' },
          _update_existing_only: false,
          first_name: 'Z',
        },
      ],
    })
    expect([...fake.records('users').keys()]).toEqual(['d2'])
    expect(fake.user({ user_alias: { alias_name: 'd2', alias_label: 'device' } })).toMatchObject({
      first_name: 'Z',
    })
  })

  it('names each refused object by input_array and index and processes the rest', async () => {
    const answer = await track({
      attributes: [
        { external_id: 'ok1', first_name: 'A' },
        { first_name: 'no identifier' },
        { external_id: 'long', bio: 'x'.repeat(256) },
        { external_id: 'mail', email: 'not-an-email' },
        { external_id: 'ok2', nickname: 'x'.repeat(255) },
      ],
      events: [{ external_id: 'ok1', time: '2024-01-01T00:00:00Z' }],
    })
    expect(answer.status).toBe(201)
    expect(answer.body.message).toBe('success')
    expect(answer.body.errors).toEqual([
      { type: expect.stringMatching(/is required/), input_array: 'attributes', index: 1 },
      { type: expect.stringMatching(/longer than 255/), input_array: 'attributes', index: 2 },
      { type: expect.stringMatching(/email/), input_array: 'attributes', index: 3 },
      { type: expect.stringMatching(/'name' is required/), input_array: 'events', index: 0 },
    ])
    expect([...fake.records('users').keys()].sort()).toEqual(['ok1', 'ok2'])
  })

  it('answers 400 with the errors when no object is valid', async () => {
    const answer = await track({ attributes: [{ first_name: 'nobody' }] })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toMatch(/Valid data must be provided/)
    expect(answer.body.errors).toEqual([{ type: expect.any(String), input_array: 'attributes', index: 0 }])
  })

  it('drops every nested update of a request in which one nested attribute holds a null', async () => {
    await track({
      attributes: [
        { external_id: 'u1', address: { city: 'Paris', zip: null }, plan: 'pro' },
        { external_id: 'u2', pet: { name: 'Rex' } },
      ],
    })
    expect(fake.records('users').get('u1')).toEqual({ external_id: 'u1', plan: 'pro' })
    expect(fake.records('users').get('u2')).toEqual({ external_id: 'u2' })
  })

  it('keeps subscription group states set through attributes', async () => {
    await track({
      attributes: [
        {
          external_id: 'u1',
          subscription_groups: [
            { subscription_group_id: 'g1', subscription_state: 'subscribed' },
            { subscription_group_id: 'g2', subscription_state: 'unsubscribed' },
          ],
        },
      ],
    })
    expect(fake.subscriptionGroups({ external_id: 'u1' })).toEqual({ g1: 'subscribed', g2: 'unsubscribed' })
  })

  it('finds profiles by email and creates email-only profiles', async () => {
    await track({ attributes: [{ email: 'a@example.com', first_name: 'A' }] })
    await track({ attributes: [{ email: 'a@example.com', last_name: 'B' }] })
    expect(fake.users()).toHaveLength(1)
    expect(fake.user({ email: 'a@example.com' })).toMatchObject({ first_name: 'A', last_name: 'B' })
  })
})

describe('the fake Braze API: limits', () => {
  it('refuses more than 75 objects in total, or per array under the legacy rule', async () => {
    const users = (n: number) => Array.from({ length: n }, (_, i) => ({ external_id: `u${i}` }))
    const events = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ external_id: `u${i}`, name: 'e', time: '2024-01-01T00:00:00Z' }))
    const over = await track({ attributes: users(40), events: events(36) })
    expect(over).toMatchObject({ status: 400, body: { message: 'Max Input Length Exceeded' } })
    expect(fake.stats.maxRecordsPerRequest).toBe(76)
    expect((await track({ attributes: users(75) })).status).toBe(201)

    const legacy = createFakeBraze({ batching: { rule: 'per_array' } })
    const legacyServer = await startFakeHost(legacy)
    try {
      const post = (body: unknown) =>
        fetch(`${legacyServer.url}/users/track`, {
          method: 'POST',
          headers: { authorization: `Bearer ${FAKE_BRAZE_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      expect((await post({ attributes: users(75), events: events(75) })).status).toBe(201)
      expect((await post({ attributes: users(76) })).status).toBe(400)
    } finally {
      await legacyServer.close()
    }
  })

  it('answers 413 to a body over 4 MB', async () => {
    const answer = await track({ attributes: [{ external_id: 'u1', blob: 'x'.repeat(4_100_000) }] })
    expect(answer.status).toBe(413)
  })

  it('enforces the /users/track window with X-RateLimit headers', async () => {
    const limited = createFakeBraze({ rateLimits: { track: { requests: 3, perMs: 60_000 } } })
    const limitedServer = await startFakeHost(limited)
    try {
      const statuses: number[] = []
      const remaining: string[] = []
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${limitedServer.url}/users/track`, {
          method: 'POST',
          headers: { authorization: `Bearer ${FAKE_BRAZE_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ attributes: [{ external_id: `u${i}` }] }),
        })
        statuses.push(response.status)
        remaining.push(response.headers.get('x-ratelimit-remaining')!)
        expect(response.headers.get('x-ratelimit-limit')).toBe('3')
        const reset = Number(response.headers.get('x-ratelimit-reset'))
        expect(reset * 1000).toBeGreaterThan(Date.now())
        expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000)
      }
      expect(statuses).toEqual([201, 201, 201, 429])
      expect(remaining).toEqual(['2', '1', '0', '0'])
      expect(limited.stats.rateLimited).toBe(1)
      expect(limited.records('users').size).toBe(3)
    } finally {
      await limitedServer.close()
    }
  })
})

describe('the fake Braze API: events, delete, custom attributes', () => {
  it('records events and purchases; an alias never creates a profile for them', async () => {
    await track({
      events: [
        { external_id: 'u1', name: 'signed_up', time: '2024-05-01T10:00:00Z', properties: { plan: 'pro' } },
        { user_alias: { alias_name: 'a', alias_label: 'l' }, name: 'x', time: '2024-05-01T10:00:00Z' },
      ],
      purchases: [
        { external_id: 'u1', product_id: 'book', currency: 'EUR', price: 12.5, time: '2024-05-01T11:00:00Z' },
      ],
    })
    expect(fake.events()).toEqual([
      expect.objectContaining({ external_id: 'u1', name: 'signed_up', properties: { plan: 'pro' } }),
    ])
    expect(fake.purchases()).toEqual([
      expect.objectContaining({ external_id: 'u1', price: 12.5, quantity: 1 }),
    ])
    expect(fake.user({ external_id: 'u1' })).toMatchObject({
      custom_events: [{ name: 'signed_up', count: 1 }],
      purchases: [{ name: 'book', count: 1 }],
    })
  })

  it('deletes up to 50 identifiers of one kind', async () => {
    await track({ attributes: Array.from({ length: 5 }, (_, i) => ({ external_id: `u${i}` })) })
    const deleted = await call('/users/delete', { external_ids: ['u0', 'u1', 'unknown'] })
    expect(deleted).toMatchObject({ status: 201, body: { deleted: 2 } })
    expect([...fake.records('users').keys()].sort()).toEqual(['u2', 'u3', 'u4'])

    const tooMany = await call('/users/delete', {
      external_ids: Array.from({ length: 51 }, (_, i) => `x${i}`),
    })
    expect(tooMany.status).toBe(400)
    const mixed = await call('/users/delete', { external_ids: ['u2'], braze_ids: ['b'] })
    expect(mixed.status).toBe(400)
    expect(fake.records('users').size).toBe(3)
  })

  it('deletes by email only when the prioritization settles on one profile', async () => {
    await track({
      attributes: [
        { email: 'shared@example.com', first_name: 'anonymous' },
        { external_id: 'known', email: 'shared@example.com' },
      ],
    })
    expect(fake.users()).toHaveLength(2)
    const settled = await call('/users/delete', {
      email_addresses: [{ email: 'shared@example.com', prioritization: ['unidentified', 'identified'] }],
    })
    expect(settled.body.deleted).toBe(1)
    expect(fake.users()).toEqual([expect.objectContaining({ external_id: 'known' })])
    const missing = await call('/users/delete', { email_addresses: [{ email: 'shared@example.com' }] })
    expect(missing.status).toBe(400)
  })

  it('lists custom attributes seen so far, 50 a page, with a Link to the next page', async () => {
    await track({
      attributes: Array.from({ length: 60 }, (_, i) => ({
        external_id: `u${i}`,
        [`attr_${String(i).padStart(2, '0')}`]: i,
        first_name: 'standard fields are not custom',
      })),
    })
    const first = await call('/custom_attributes')
    expect(first.body.attributes).toHaveLength(50)
    expect(first.body.attributes[0]).toMatchObject({ name: 'attr_00', data_type: 'Number' })
    const link = first.headers.get('link')!
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!
    const second = await call(new URL(next).pathname + new URL(next).search)
    expect(second.body.attributes.map((a: { name: string }) => a.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `attr_${50 + i}`),
    )
    expect(second.headers.get('link')).toBeNull()
  })

  it('refuses records the kit names, in Braze shape', async () => {
    fake.faults.rejectWhere = (record) => (record.external_id === 'bad' ? 'refused by the test' : undefined)
    const answer = await track({ attributes: [{ external_id: 'good' }, { external_id: 'bad' }] })
    expect(answer.body.errors).toEqual([{ type: 'refused by the test', input_array: 'attributes', index: 1 }])
    expect([...fake.records('users').keys()]).toEqual(['good'])
  })

  it('queues requests on demand: 202 "queued", processed all the same', async () => {
    fake.queueNext(1)
    const queued = await track({ attributes: [{ external_id: 'u1' }, { first_name: 'no identifier' }] })
    expect(queued).toEqual(expect.objectContaining({ status: 202, body: { message: 'queued' } }))
    expect([...fake.records('users').keys()]).toEqual(['u1'])
    expect((await track({ attributes: [{ external_id: 'u2' }] })).status).toBe(201)
  })
})
