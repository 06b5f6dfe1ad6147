import { describe, expect, it } from 'vitest'
import { compileMapping } from '../src/mapping/index.js'

const row = {
  id: 42,
  email: 'ada@x.io',
  first: 'Ada',
  last: 'Lovelace',
  profile: { tier: 'gold', address: { city: 'London' } },
  'dotted.name': 'literal',
  orders: [
    { sku: 'A1', qty: 2, price: '9.99' },
    { sku: 'B2', qty: 1, price: '5.00' },
  ],
  tags: ['vip', 'beta'],
  big: 9007199254740993n,
  extra: 'x',
}
const columns = Object.keys(row)

describe('mapping', () => {
  it('gives fields of 64-bit integer columns bigints back after JSON, from the declared types', () => {
    const mapper = compileMapping(
      {
        identifier: { column: 'id', field: 'external_id' },
        mappings: [
          { from: 'n', to: 'n' },
          { from: 'v', to: 'deep.v' },
          { from: 'c', to: 'c', cast: 'number' },
        ],
      },
      [
        { name: 'id', type: 'BIGINT' },
        { name: 'n', type: 'INTEGER' },
        { name: 'v', type: 'bigint' },
        { name: 'c', type: 'HUGEINT' },
      ],
    )
    expect(mapper.exactTypes({ external_id: 1, n: 2, deep: { v: 3 }, c: 4 })).toEqual({
      external_id: 1n,
      n: 2,
      deep: { v: 3n },
      c: 4,
    })
  })

  it('restores top-level BIGINT fields in place, touching no other field', () => {
    const mapper = compileMapping(
      { identifier: { column: 'id', field: 'external_id' }, mappings: [{ from: 'score', to: 'score' }] },
      [
        { name: 'id', type: 'BIGINT' },
        { name: 'score', type: 'INTEGER' },
      ],
    )
    const nested = { a: 1 }
    const fields = { external_id: 7, score: 2, nested, missing: null }
    const restored = mapper.exactTypes(fields)
    expect(restored).toBe(fields)
    expect(restored).toEqual({ external_id: 7n, score: 2, nested: { a: 1 }, missing: null })
    expect(restored.nested).toBe(nested)
    expect(Object.keys(restored)).toEqual(['external_id', 'score', 'nested', 'missing'])
    expect(mapper.exactTypes({ external_id: '9007199254740993' })).toEqual({ external_id: 9007199254740993n })
  })

  it('maps columns to fields, with nested paths both ways', () => {
    const m = compileMapping(
      {
        identifier: { column: 'id', field: 'external_id' },
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'profile.tier', to: 'loyalty.tier' },
          { from: 'profile.address.city', to: 'home.address.city' },
          { from: 'dotted.name', to: 'dotted' },
        ],
      },
      columns,
    )
    expect(m.payload(row)).toEqual({
      external_id: 42,
      email: 'ada@x.io',
      loyalty: { tier: 'gold' },
      home: { address: { city: 'London' } },
      dotted: 'literal',
    })
    expect(m.identifier(row)).toBe(42)
  })

  it('sends constants, object mappings and array mappings', () => {
    const m = compileMapping(
      {
        identifier: { column: 'id', field: 'id' },
        mappings: [
          { constant: 'sluice', to: 'source' },
          {
            object: [
              { from: 'first', to: 'first_name' },
              { from: 'last', to: 'name.last' },
              { constant: true, to: 'verified' },
            ],
            to: 'person',
          },
          {
            array: {
              from: 'orders',
              items: [
                { from: 'sku', to: 'product' },
                { from: 'qty', to: 'quantity' },
              ],
            },
            to: 'purchases',
          },
          { array: { from: 'tags', mode: 'add' }, to: 'labels' },
          { array: { from: 'orders' }, to: 'raw_orders' },
        ],
      },
      columns,
    )
    expect(m.payload(row)).toEqual({
      id: 42,
      source: 'sluice',
      person: { first_name: 'Ada', name: { last: 'Lovelace' }, verified: true },
      purchases: [
        { product: 'A1', quantity: 2 },
        { product: 'B2', quantity: 1 },
      ],
      labels: { $add: ['vip', 'beta'] },
      raw_orders: row.orders,
    })
  })

  it('syncs all unmapped columns under their own names', () => {
    const m = compileMapping(
      {
        identifier: { column: 'id', field: 'id' },
        mappings: [{ from: 'profile.tier', to: 'tier' }],
        syncAllProperties: true,
      },
      columns,
    )
    const payload = m.payload(row)
    expect(Object.keys(payload).sort()).toEqual(
      ['big', 'dotted.name', 'email', 'extra', 'first', 'id', 'last', 'orders', 'tags', 'tier'].sort(),
    )
    expect(payload.big).toBe(9007199254740993n)
    expect(m.clearPayload('42')).toEqual({
      id: '42',
      tier: null,
      email: null,
      first: null,
      last: null,
      'dotted.name': null,
      orders: null,
      tags: null,
      big: null,
      extra: null,
    })
  })

  it('clears every mapped field and deletes by identifier only', () => {
    const m = compileMapping(
      {
        identifier: { column: 'id', field: 'ids.external' },
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'first', to: 'name.first' },
        ],
      },
      columns,
    )
    expect(m.clearPayload('42')).toEqual({ ids: { external: '42' }, email: null, name: { first: null } })
    expect(m.deletePayload('42')).toEqual({ ids: { external: '42' } })
  })

  it('names the columns it reads, so a query can leave the others behind', () => {
    const sync = {
      identifier: { column: 'id', field: 'id' },
      mappings: [
        { from: 'profile.tier', to: 'tier' },
        { from: 'dotted.name', to: 'dotted' },
        {
          object: [
            { from: 'first', to: 'f' },
            { constant: 1, to: 'c' },
          ],
          to: 'o',
        },
      ],
    }
    expect(compileMapping(sync, columns).columns).toEqual(['id', 'profile', 'dotted.name', 'first'])
    expect(compileMapping({ ...sync, syncAllProperties: true }, columns).columns).toBeUndefined()
    expect(compileMapping(sync).columns).toBeUndefined()
  })

  it('reads a missing nested value or NULL as null', () => {
    const m = compileMapping({
      identifier: { column: 'id', field: 'id' },
      mappings: [
        { from: 'profile.missing.deep', to: 'x' },
        { array: { from: 'nothing' }, to: 'list' },
      ],
    })
    expect(m.payload({ id: 1, profile: null, nothing: null })).toEqual({ id: 1, x: null, list: null })
  })

  it('refuses mappings that name columns the model does not have, naming each one', () => {
    expect(() =>
      compileMapping(
        {
          identifier: { column: 'user_id', field: 'id' },
          mappings: [
            { from: 'email', to: 'email' },
            { from: 'phone', to: 'phone' },
            { object: [{ from: 'city', to: 'city' }], to: 'address' },
          ],
        },
        ['id', 'email'],
      ),
    ).toThrow(
      /identifier.column: the model has no column "user_id"; mappings\[1\] \(→ phone\): the model has no column "phone"; mappings\[2\] \(→ address\): the model has no column "city"/,
    )
  })
})
