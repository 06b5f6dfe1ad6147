import { describe, expect, it } from 'vitest'
import { matchingFor } from '../src/identifiers.js'
import { attributesObject, eventObject } from '../src/payload.js'

const externalId = matchingFor('external_id', undefined)!

describe('attributesObject', () => {
  it('says create-if-missing for upsert and update-only for update and clear', () => {
    const record = { identifier: 'u1', fields: { external_id: 'u1', first_name: 'Ada' } }
    expect(attributesObject(record, externalId, 'upsert')).toEqual({
      ok: true,
      object: { external_id: 'u1', first_name: 'Ada', _update_existing_only: false },
    })
    expect(attributesObject(record, externalId, 'update')).toMatchObject({
      object: { _update_existing_only: true },
    })
  })

  it('clears with null at the top level, even for nested fields, and leaves subscription states alone', () => {
    const record = {
      identifier: 'u1',
      fields: {
        external_id: 'u1',
        first_name: null,
        address: { city: null, zip: null },
        subscription_groups: { g1: null },
      },
    }
    expect(attributesObject(record, externalId, 'clear')).toEqual({
      ok: true,
      object: { external_id: 'u1', first_name: null, address: null, _update_existing_only: true },
    })
  })

  it('keeps null at the top level (removes the attribute) but drops nulls inside nested values', () => {
    const record = {
      identifier: 'u1',
      fields: {
        external_id: 'u1',
        nickname: null,
        address: { city: 'Paris', zip: null, geo: { lat: 1, lon: null } },
        pets: [{ name: 'Rex', age: null }, null],
        tags: { add: ['a', null] },
        big: 9007199254740993n,
        small: 12n,
      },
    }
    expect(attributesObject(record, externalId, 'upsert')).toEqual({
      ok: true,
      object: {
        external_id: 'u1',
        nickname: null,
        address: { city: 'Paris', geo: { lat: 1 } },
        pets: [{ name: 'Rex' }],
        tags: { add: ['a'] },
        big: 9007199254740993n,
        small: 12n,
        _update_existing_only: false,
      },
    })
  })

  it("turns the mapping's $add / $remove into Braze's array operations", () => {
    const record = {
      identifier: 'u1',
      fields: {
        external_id: 'u1',
        tags: { $add: ['vip', null] },
        old_tags: { $remove: ['trial'] },
        pets: { $add: [{ id: 3, name: 'Rex', age: null }] },
        gone_pets: { $remove: [{ id: 1 }, { id: 2 }] },
        legacy: { add: ['x'], remove: ['y'] },
      },
    }
    expect(attributesObject(record, externalId, 'upsert')).toEqual({
      ok: true,
      object: {
        external_id: 'u1',
        tags: { add: ['vip'] },
        old_tags: { remove: ['trial'] },
        pets: { $add: [{ id: 3, name: 'Rex' }] },
        gone_pets: {
          $remove: [
            { $identifier_key: 'id', $identifier_value: 1 },
            { $identifier_key: 'id', $identifier_value: 2 },
          ],
        },
        legacy: { add: ['x'], remove: ['y'] },
        _update_existing_only: false,
      },
    })
    const ambiguous = {
      identifier: 'u1',
      fields: { external_id: 'u1', pets: { $remove: [{ id: 1, name: 'Gus' }] } },
    }
    expect(attributesObject(ambiguous, externalId, 'upsert')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^pets: to remove objects from an array, Braze needs one identifying key/,
      ),
    })
  })

  it('turns subscription_groups.<id> mappings into Braze subscription group objects', () => {
    const record = {
      identifier: 'u1',
      fields: { external_id: 'u1', subscription_groups: { 'g-1': true, 'g-2': 'unsubscribed', 'g-3': null } },
    }
    expect(attributesObject(record, externalId, 'upsert')).toMatchObject({
      object: {
        subscription_groups: [
          { subscription_group_id: 'g-1', subscription_state: 'subscribed' },
          { subscription_group_id: 'g-2', subscription_state: 'unsubscribed' },
        ],
      },
    })
    const bad = { identifier: 'u1', fields: { external_id: 'u1', subscription_groups: { g: 'maybe' } } }
    expect(attributesObject(bad, externalId, 'upsert')).toEqual({
      ok: false,
      reason: 'subscription_groups.g must be subscribed, unsubscribed, true or false',
    })
  })

  it('names users by alias with the configured label, or the label in the identifier field', () => {
    const record = { identifier: 'dev-1', fields: { user_alias: 'dev-1', plan: 'pro' } }
    expect(attributesObject(record, matchingFor('user_alias', 'device')!, 'upsert')).toEqual({
      ok: true,
      object: {
        user_alias: { alias_name: 'dev-1', alias_label: 'device' },
        plan: 'pro',
        _update_existing_only: false,
      },
    })
    const nested = { identifier: 'dev-1', fields: { user_alias: { crm: 'dev-1' }, plan: 'pro' } }
    expect(attributesObject(nested, matchingFor('user_alias.crm', 'device')!, 'update')).toMatchObject({
      object: { user_alias: { alias_name: 'dev-1', alias_label: 'crm' }, _update_existing_only: true },
    })
    expect(() => matchingFor('user_alias', undefined)).toThrow(/userAliasLabel/)
  })

  it('ignores keys Braze reads as instructions', () => {
    const record = {
      identifier: 'u1',
      fields: { external_id: 'u1', _update_existing_only: false, push_token_import: true },
    }
    expect(attributesObject(record, externalId, 'update')).toEqual({
      ok: true,
      object: { external_id: 'u1', _update_existing_only: true },
    })
  })
})

describe('eventObject', () => {
  const now = () => '2024-06-01T00:00:00.000Z'

  it('builds name, time and properties, and gathers other fields into properties', () => {
    const record = {
      identifier: 'evt-1',
      fields: {
        event_id: 'evt-1',
        external_id: 'u1',
        name: 'ordered',
        time: '2024-05-01T10:00:00Z',
        properties: { total: 12.5 },
        channel: 'web',
        count: 3n,
      },
    }
    expect(eventObject(record, matchingFor('event_id', undefined), undefined, now)).toEqual({
      ok: true,
      object: {
        external_id: 'u1',
        name: 'ordered',
        time: '2024-05-01T10:00:00Z',
        properties: { total: 12.5, event_id: 'evt-1', channel: 'web', count: 3n },
      },
    })
  })

  it('uses the sync identifier as the user when it names one, and now when time is unmapped', () => {
    const record = { identifier: 'a@example.com', fields: { email: 'a@example.com', name: 'opened' } }
    expect(eventObject(record, matchingFor('email', undefined), undefined, now)).toEqual({
      ok: true,
      object: { email: 'a@example.com', name: 'opened', time: '2024-06-01T00:00:00.000Z' },
    })
  })

  it('refuses an event without a name, a user or a usable time', () => {
    const noName = { identifier: 'u1', fields: { external_id: 'u1' } }
    expect(eventObject(noName, externalId, undefined, now)).toEqual({
      ok: false,
      reason: 'name is required: map the event name',
    })
    const noUser = { identifier: 'e1', fields: { event_id: 'e1', name: 'x' } }
    expect(eventObject(noUser, undefined, undefined, now)).toMatchObject({
      ok: false,
      reason: /no user identifier/,
    })
    const badTime = { identifier: 'u1', fields: { external_id: 'u1', name: 'x', time: 1717200000 } }
    expect(eventObject(badTime, externalId, undefined, now)).toMatchObject({ ok: false, reason: /ISO 8601/ })
  })
})
