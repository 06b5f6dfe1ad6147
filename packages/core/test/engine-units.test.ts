import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  compareCursor,
  identifierText,
  maxCursor,
  mayHoldBigInteger,
  parseJson,
  planStep,
  resolveModelSql,
  rowHash,
  sqlLiteral,
  stringifyExact,
} from '../src/index.js'

describe('payload JSON and the row hash', () => {
  it('is JSON.stringify for ordinary payloads, and the same payload always hashes the same', () => {
    const payload = { b: 1, a: { d: [1, 2], c: null }, s: 'héllo ✓' }
    expect(stringifyExact(payload)).toBe(JSON.stringify(payload))
    expect(rowHash(stringifyExact(payload))).toBe(rowHash(stringifyExact(structuredClone(payload))))
    expect(rowHash('{"a":1}')).toBe('bb6cb5c68df4652941caf652a366f2d8')
  })

  it('changes when any value changes', () => {
    expect(rowHash(stringifyExact({ a: 1 }))).not.toBe(rowHash(stringifyExact({ a: '1' })))
    expect(rowHash(stringifyExact({ a: null }))).not.toBe(rowHash(stringifyExact({})))
  })

  it('keeps integers beyond 2^53 exact, both ways', () => {
    const text = stringifyExact({ id: 9007199254740993n, n: 12, s: '9007199254740993', u: 'héllo ✓' })
    expect(text).toBe('{"id":9007199254740993,"n":12,"s":"9007199254740993","u":"héllo ✓"}')
    expect(parseJson(text)).toEqual({ id: 9007199254740993n, n: 12, s: '9007199254740993', u: 'héllo ✓' })
    expect(parseJson('[1.5e3, -12345678901234567890, {"a\\"b": [true, false, null]}]')).toEqual([
      1500,
      -12345678901234567890n,
      { 'a"b': [true, false, null] },
    ])
    expect(() => parseJson('{"a": 12345678901234567 x}')).toThrow(/invalid JSON/)
  })

  it('writes a bigint exactly as the number of the same value, so row hashes do not depend on which one a source gives', () => {
    // Golden: the text and hash of a payload whose BIGINT column arrived as numbers before, and as
    // bigints now (every value of a BIGINT column is a bigint, whatever its size).
    const before = { id: 42, tags: [1, 2], nested: { n: -7 }, s: 'x' }
    const now = { id: 42n, tags: [1n, 2n], nested: { n: -7n }, s: 'x' }
    expect(stringifyExact(now)).toBe('{"id":42,"tags":[1,2],"nested":{"n":-7},"s":"x"}')
    expect(stringifyExact(now)).toBe(stringifyExact(before))
    expect(rowHash(stringifyExact(now))).toBe('5f8c67778ff3242e4354170cbfc51d5d')
    expect(stringifyExact({ huge: 2n ** 100n, min: -(2n ** 63n) })).toBe(
      '{"huge":1267650600228229401496703205376,"min":-9223372036854775808}',
    )
  })

  it('finds a run of 16 digits wherever it starts, and never a shorter one', () => {
    for (const length of [15, 16, 17, 40]) {
      for (let before = 0; before < 40; before++) {
        for (const after of [0, 1, 17]) {
          const text = `${'x'.repeat(before)}${'7'.repeat(length)}${'y'.repeat(after)}`
          expect(mayHoldBigInteger(text), text).toBe(length >= 16)
          // shorter runs on both sides of a break are not one run of 16
          const split = `${'1'.repeat(before % 16)}:${text}:${'2'.repeat(15)}`
          expect(mayHoldBigInteger(split), split).toBe(length >= 16)
        }
      }
    }
    expect(mayHoldBigInteger('{"id":1,"score":123456789012345,"t":"2026-01-01"}')).toBe(false)
    expect(mayHoldBigInteger('{"id":9007199254740993}')).toBe(true)
  })

  it('leaves strings alone that look like the marks big integers travel under', () => {
    const tricky = { id: 1n, a: '\u00011234', b: '"1"', c: '\\u0001' }
    expect(parseJson(stringifyExact(tricky))).toEqual({ ...tricky, id: 1 })
  })

  it('writes non-finite numbers as null', () => {
    expect(stringifyExact([Number.NaN, Number.POSITIVE_INFINITY])).toBe('[null,null]')
  })

  it('turns identifiers into text', () => {
    expect(identifierText(42)).toBe('42')
    expect(identifierText(9007199254740993n)).toBe('9007199254740993')
    expect(identifierText('abc')).toBe('abc')
    expect(identifierText(null)).toBeNull()
    expect(identifierText({ b: 1, a: 2 })).toBe('{"b":1,"a":2}')
  })
})

describe('planning', () => {
  const cases: Array<[string, 'added' | 'changed' | 'removed', string | undefined, string]> = [
    ['upsert', 'added', undefined, 'upsert'],
    ['upsert', 'changed', undefined, 'upsert'],
    ['upsert', 'removed', undefined, 'forget'],
    ['update', 'added', undefined, 'update'],
    ['update', 'changed', undefined, 'update'],
    ['create', 'added', undefined, 'create'],
    ['create', 'changed', undefined, 'accept'],
    ['append', 'changed', undefined, 'append'],
    ['delete', 'added', undefined, 'delete'],
    ['delete', 'changed', undefined, 'accept'],
    ['delete', 'removed', undefined, 'forget'],
    ['mirror', 'changed', 'delete', 'upsert'],
    ['mirror', 'removed', 'delete', 'delete'],
    ['mirror', 'removed', 'clear', 'clear'],
    ['mirror', 'removed', 'nothing', 'forget'],
    ['mirror', 'removed', undefined, 'delete'],
  ]
  for (const [behaviour, kind, deleteBehaviour, step] of cases) {
    it(`${behaviour} ${deleteBehaviour ?? ''} → ${kind} rows: ${step}`, () => {
      expect(planStep(behaviour as never, kind, deleteBehaviour as never)).toBe(step)
    })
  }
})

describe('cursor values', () => {
  it('orders numbers, bigints and ISO timestamps of different precision', () => {
    expect(compareCursor(2, 10)).toBeLessThan(0)
    expect(compareCursor(9007199254740993n, 9007199254740992)).toBeGreaterThan(0)
    expect(compareCursor('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.123456Z')).toBeGreaterThan(0)
    expect(compareCursor('2024-01-02', '2024-01-10')).toBeLessThan(0)
    expect(maxCursor(undefined, null)).toBeUndefined()
    expect(maxCursor(3, 2)).toBe(3)
    expect(maxCursor(3, 7)).toBe(7)
  })
})

describe('model SQL', () => {
  const duck = { dialect: 'duckdb' as const }
  it('reads tables and views, quoting each part', () => {
    expect(resolveModelSql({ source: 'w', table: 'analytics.users' }, duck)).toBe(
      'SELECT * FROM "analytics"."users"',
    )
    expect(resolveModelSql({ source: 'w', view: 'we"ird' }, duck)).toBe('SELECT * FROM "we""ird"')
  })

  it('wraps a query and narrows it with the segment filter and the cursor', () => {
    expect(
      resolveModelSql({ source: 'w', sql: 'SELECT * FROM users;  ', filter: "plan = 'pro'" }, duck),
    ).toBe("SELECT * FROM (SELECT * FROM users) AS sluice_model WHERE (plan = 'pro')")
    expect(
      resolveModelSql(
        { source: 'w', table: 'users', filter: 'active', cursor: 'updated_at' },
        { ...duck, cursorAfter: "2024-01-01T00:00:00.000Z' OR 1=1 --" },
      ),
    ).toBe(`SELECT * FROM "users" WHERE (active) AND "updated_at" > '2024-01-01T00:00:00.000Z'' OR 1=1 --'`)
    expect(
      resolveModelSql({ source: 'w', table: 'users', cursor: 'seq' }, { ...duck, cursorAfter: 10n }),
    ).toBe('SELECT * FROM "users" WHERE "seq" > 10')
    // No cursor yet: the whole model.
    expect(resolveModelSql({ source: 'w', table: 'users', cursor: 'seq' }, duck)).toBe(
      'SELECT * FROM "users"',
    )
  })

  it('escapes literals per dialect', () => {
    expect(sqlLiteral("it's", 'duckdb')).toBe("'it''s'")
    expect(sqlLiteral('a\\b', 'postgres')).toBe("E'a\\\\b'")
    expect(sqlLiteral(true, 'postgres')).toBe('TRUE')
  })

  it('resolves a dbt model by name through the manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-dbt-'))
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        metadata: { project_name: 'shop' },
        nodes: {
          'model.shop.customers': {
            resource_type: 'model',
            name: 'customers',
            package_name: 'shop',
            relation_name: '"warehouse"."marts"."customers"',
          },
          'model.other.customers': {
            resource_type: 'model',
            name: 'customers',
            package_name: 'other',
            relation_name: '"warehouse"."other"."customers"',
          },
          'model.shop.tmp': {
            resource_type: 'model',
            name: 'tmp',
            relation_name: null,
            config: { materialized: 'ephemeral' },
          },
          'test.shop.not_null': { resource_type: 'test', name: 'orders', relation_name: '"x"' },
        },
      }),
    )
    const dbt = (model: string, filter?: string) =>
      resolveModelSql(
        { source: 'w', dbt: { model, manifest: 'manifest.json' }, ...(filter ? { filter } : {}) },
        { ...duck, projectDir: dir },
      )
    expect(dbt('customers')).toBe('SELECT * FROM "warehouse"."marts"."customers"')
    expect(dbt('model.other.customers', 'ltv > 100')).toBe(
      'SELECT * FROM "warehouse"."other"."customers" WHERE (ltv > 100)',
    )
    expect(() => dbt('orders')).toThrow(/has no model "orders"/)
    expect(() => dbt('tmp')).toThrow(/has no relation \(materialized: ephemeral\)/)
    expect(() =>
      resolveModelSql(
        { source: 'w', dbt: { model: 'x', manifest: 'missing.json' } },
        { ...duck, projectDir: dir },
      ),
    ).toThrow(/cannot read the dbt manifest .*missing.json/)
  })
})
