import { describe, expect, it } from 'vitest'
import { validateConfig } from '../src/config/index.js'
import { castValue, isCast } from '../src/mapping/cast.js'
import { compileMapping } from '../src/mapping/index.js'

describe('mapping casts', () => {
  it('sends DECIMAL text, BIGINT and booleans as numbers', () => {
    expect(castValue('871.47', 'number')).toBe(871.47)
    expect(castValue(' -1.5e3 ', 'number')).toBe(-1500)
    expect(castValue(42n, 'number')).toBe(42)
    expect(castValue(true, 'number')).toBe(1)
    expect(castValue(null, 'number')).toBeNull()
  })

  it('leaves what it cannot convert as it was, and says so', () => {
    for (const value of ['abc', '', '1,5', 9007199254740993n, ['1']] as const) {
      const cast = castValue(value as never, 'number')
      expect(cast).toEqual(value)
      expect(isCast(cast, 'number')).toBe(false)
    }
    expect(isCast(castValue('maybe', 'boolean'), 'boolean')).toBe(false)
    expect(isCast(castValue(2, 'boolean'), 'boolean')).toBe(false)
    expect(isCast(castValue('not a date', 'timestamp'), 'timestamp')).toBe(false)
  })

  it('reads the words and numbers warehouses use for booleans', () => {
    expect(['true', 'T', 'yes', 'Y', '1', 1, 1n].map((v) => castValue(v, 'boolean'))).toEqual(
      Array(7).fill(true),
    )
    expect(['false', 'f', 'NO', 'n', '0', 0, 0n].map((v) => castValue(v, 'boolean'))).toEqual(
      Array(7).fill(false),
    )
  })

  it('writes timestamps as ISO 8601 in UTC, reading dates and zone-less times as UTC', () => {
    expect(castValue('2025-06-09', 'timestamp')).toBe('2025-06-09T00:00:00.000Z')
    expect(castValue('2025-06-09 06:24:19', 'timestamp')).toBe('2025-06-09T06:24:19.000Z')
    expect(castValue('2025-06-09T08:24:19+02:00', 'timestamp')).toBe('2025-06-09T06:24:19.000Z')
    // numbers are Unix epoch seconds
    expect(castValue(1_750_000_000, 'timestamp')).toBe('2025-06-15T15:06:40.000Z')
  })

  it('writes anything as text, keeping BIGINT exact', () => {
    expect(castValue(9007199254740993n, 'string')).toBe('9007199254740993')
    expect(castValue(42, 'string')).toBe('42')
    expect(castValue(false, 'string')).toBe('false')
    expect(castValue({ a: 1 }, 'string')).toBe('{"a":1}')
  })

  it('casts in the payload and names the mapping of a value it could not cast', () => {
    const m = compileMapping(
      {
        identifier: { column: 'id', field: 'external_id' },
        mappings: [
          { from: 'ltv', to: 'lifetime_value', cast: 'number' },
          { from: 'opt_in', to: 'prefs.opt_in', cast: 'boolean' },
          { from: 'id', to: 'id_text', cast: 'string' },
        ],
      },
      ['id', 'ltv', 'opt_in'],
    )
    const good = m.payload({ id: 7, ltv: '871.47', opt_in: 'yes' })
    expect(good).toEqual({ external_id: 7, lifetime_value: 871.47, prefs: { opt_in: true }, id_text: '7' })
    expect(m.castProblem(good)).toBeUndefined()
    const bad = m.payload({ id: 8, ltv: 'n/a', opt_in: 'yes' })
    expect(bad.lifetime_value).toBe('n/a')
    expect(m.castProblem(bad)).toBe('mappings[0] (→ lifetime_value): "n/a" cannot be cast to number')
    expect(m.castProblem(m.payload({ id: 9, ltv: null, opt_in: null }))).toBeUndefined()
  })

  it('is accepted on a column mapping, and refused elsewhere or with an unknown type', () => {
    const config = (mapping: Record<string, unknown>) => ({
      sources: { w: { type: 'duckdb', config: {} } },
      destinations: { d: { type: 'braze', config: {} } },
      models: { m: { source: 'w', table: 't' } },
      syncs: {
        s: {
          model: 'm',
          destination: 'd',
          object: 'users',
          behaviour: 'upsert',
          identifier: { column: 'id', field: 'external_id' },
          mappings: [mapping],
        },
      },
    })
    const messages = (mapping: Record<string, unknown>) =>
      validateConfig(config(mapping)).map((issue) => issue.message)
    expect(messages({ from: 'ltv', to: 'ltv', cast: 'number' })).toEqual([])
    expect(messages({ from: 'ltv', to: 'ltv', cast: 'decimal' })).toEqual([
      'sluice.json: /syncs/s/mappings/0/cast: expected one of number | string | boolean | timestamp, found "decimal"',
    ])
    expect(messages({ constant: 1, to: 'ltv', cast: 'string' })).toEqual([
      'sluice.json: /syncs/s/mappings/0/cast: expected one of the keys constant | to, found unknown key "cast"',
    ])
  })
})
