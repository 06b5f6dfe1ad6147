import { compileMapping, type SyncConfig, silentLogger, stageRow, stringifyExact } from '@sluice/core'
import { connectDuckDB } from '@sluice/source-duckdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnJsonSql, duckdbPayloadSql } from '../src/duckdb-payload.js'

const source = connectDuckDB({ path: ':memory:' })
const ctx = { signal: new AbortController().signal, log: silentLogger }

/** The full type matrix, with the values each type finds hardest to write as JS writes them. */
const MATRIX = `CREATE TABLE matrix AS SELECT * FROM (VALUES
  (1::BIGINT, 'Ada', 9007199254740993::BIGINT, 7::INTEGER, 12.5::DECIMAL(38,9), 3::SMALLINT, true,
   DATE '2024-02-29', TIMESTAMPTZ '2024-03-01 12:34:56.789+02', TIMESTAMP '1969-12-31 23:59:59.5',
   ['a', NULL, 'c ✓'], [[9007199254740993, -1]]::BIGINT[][], '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f'::UUID,
   {'tier': 'gold', 'since': DATE '2020-01-01', 'spend': 1.25::DECIMAL(38,9), 'tags': ['x'], 'n': 123456789012345678901234567890::HUGEINT},
   [{'k': 1, 'ts': TIMESTAMP '2024-01-01 00:00:00.000001'}], 255::UTINYINT, 18446744073709551615::UBIGINT),
  (2::BIGINT, 'quote " backslash \\ tab ' || chr(9) || ' newline ' || chr(10) || ' nul ' || chr(0) || ' us ' || chr(31) || ' vt ' || chr(11) || ' del ' || chr(127) || ' \\u001F /',
   (-9223372036854775808)::BIGINT, -7::INTEGER, (-99999999999999999999999999999.999999999)::DECIMAL(38,9), -3::SMALLINT, false,
   DATE '0001-01-01', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', TIMESTAMP '2024-01-01 00:00:00',
   []::VARCHAR[], [[1, 2], [3, NULL]]::BIGINT[][], NULL::UUID,
   {'tier': NULL, 'since': NULL, 'spend': NULL, 'tags': NULL, 'n': NULL},
   []::STRUCT(k INTEGER, ts TIMESTAMP)[], 0::UTINYINT, 0::UBIGINT),
  (3::BIGINT, 'héllo wörld 日本 🚀 ' || chr(8232), 42::BIGINT, 2147483647::INTEGER, 0.000000001::DECIMAL(38,9), 32767::SMALLINT, NULL,
   NULL, TIMESTAMPTZ '2024-07-01 00:00:00.1+00', TIMESTAMP '2400-02-29 01:02:03.000004',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4::BIGINT, NULL, NULL, NULL, NULL, NULL, NULL, DATE '9999-12-31', NULL, NULL,
   ['{}', '"x"'], [[0], NULL]::BIGINT[][], NULL, NULL, [NULL, {'k': NULL, 'ts': NULL}], NULL, NULL),
  (9007199254740993::BIGINT, '', 1::BIGINT, 1::INTEGER, 99999999999999999999999999999.999999999::DECIMAL(38,9), 1::SMALLINT, true,
   DATE '2000-01-01', TIMESTAMPTZ '2000-01-01 00:00:00.0001+00', TIMESTAMP '0001-01-01 00:00:00',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (NULL::BIGINT, 'no id', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS t(id, name, big, small, amount, tiny, active, born, seen, local, tags, grid, uid, profile, events, u8, u64)`

const SYNC: SyncConfig = {
  model: 'matrix',
  destination: 'memory',
  object: 'contacts',
  behaviour: 'upsert',
  identifier: { column: 'id', field: 'external_id' },
  mappings: [
    { from: 'name', to: 'profile.name' },
    { from: 'big', to: 'big' },
    { from: 'small', to: 'small' },
    { from: 'amount', to: 'amount' },
    { from: 'tiny', to: 'profile.tiny' },
    { from: 'active', to: 'active' },
    { from: 'born', to: 'born' },
    { from: 'seen', to: 'seen' },
    { from: 'local', to: 'local' },
    { from: 'tags', to: 'tags' },
    { from: 'uid', to: 'uid' },
    { from: 'events', to: 'details' },
    { from: 'events', to: 'events' },
    { from: 'u8', to: 'u8' },
    { from: 'u64', to: 'u64' },
    { constant: 'crm ✓ "quoted"', to: 'origin' },
    { constant: { nested: [1, null] }, to: 'meta.constant' },
  ],
}

/** The staged rows both ways: built in DuckDB's SQL, and mapped and serialised by the engine in JS. */
async function bothWays(sync: SyncConfig, sql: string) {
  const columns = await source.describe(sql, ctx)
  const built = duckdbPayloadSql(sync, columns)
  if ('unsupported' in built) throw new Error(built.unsupported)
  const mapper = compileMapping(sync, columns)
  const inJs: Array<{ identifier: string | null; payload: string }> = []
  for await (const rows of source.query(sql)) for (const row of rows) inJs.push(stageRow(mapper, row))
  const inSql: Array<{ identifier: string | null; payload: string }> = []
  for await (const rows of source.query(
    `SELECT ${built.identifier} AS identifier, ${built.payload} AS payload FROM (${sql}) AS m`,
  ))
    for (const row of rows)
      inSql.push({ identifier: row.identifier as string | null, payload: row.payload as string })
  return { inJs, inSql }
}

beforeAll(async () => {
  // A zone far from UTC: zoned timestamps must come out in UTC whatever the session's zone.
  await source.execute?.("SET TimeZone = 'Asia/Kathmandu'")
  await source.execute?.(MATRIX)
})
afterAll(async () => {
  await source.close?.()
})

describe('payloads built in DuckDB', () => {
  it('are byte for byte what stringifyExact writes, over the full type matrix', async () => {
    const { inJs, inSql } = await bothWays(SYNC, 'SELECT * FROM matrix ORDER BY id NULLS LAST')
    expect(inSql).toHaveLength(6)
    expect(inSql).toEqual(inJs)
    // The cases that matter, spelled out: exact BIGINT digits, DECIMAL(38,9) as text, zoned ISO times.
    expect(inSql[0]?.payload).toContain('"big":9007199254740993')
    expect(inSql[1]?.payload).toContain('"amount":"-99999999999999999999999999999.999999999"')
    expect(inSql[0]?.payload).toContain('"seen":"2024-03-01T10:34:56.789Z"')
    expect(inSql[1]?.payload).toContain('\\u001f')
    expect(inSql[4]?.identifier).toBe('9007199254740993')
    expect(inSql[5]?.identifier).toBeNull()
  })

  it('write every column of the matrix as the engine writes its value, nested 64-bit integers too', async () => {
    const sql = 'SELECT * FROM matrix ORDER BY id NULLS LAST'
    const columns = await source.describe(sql, ctx)
    const rows: Array<Record<string, unknown>> = []
    for await (const chunk of source.query(sql)) rows.push(...chunk)
    const select = columns.map((c, i) => {
      const built = columnJsonSql(c.name, c.type)
      if (!built) throw new Error(`${c.name}: ${c.type}`)
      return `${built.json} AS c${i}`
    })
    let at = 0
    for await (const chunk of source.query(`SELECT ${select.join(', ')} FROM (${sql}) AS m`)) {
      for (const built of chunk) {
        const row = rows[at++] as Record<string, never>
        columns.forEach((c, i) => {
          expect(built[`c${i}`], `${c.name} of row ${at}`).toBe(stringifyExact(row[c.name] ?? null))
        })
      }
    }
    expect(at).toBe(6)
    expect(columns.map((c) => c.type)).toContain('BIGINT[][]')
  })

  it('identifiers of every scalar type are the text the engine keys them by', async () => {
    for (const column of ['name', 'amount', 'born', 'seen', 'uid', 'active', 'u64']) {
      const sync = { ...SYNC, identifier: { column, field: 'key' }, mappings: [] }
      const { inJs, inSql } = await bothWays(sync, 'SELECT * FROM matrix ORDER BY id NULLS LAST')
      expect(inSql, column).toEqual(inJs)
    }
  })

  it('refuse, with the SQL, a value they cannot write as JS does, so the model is staged in JS', async () => {
    const sql = `SELECT 1 AS id, TIMESTAMP '10000-01-01 00:00:00' AS t`
    const columns = await source.describe(sql, ctx)
    const built = duckdbPayloadSql(
      { identifier: { column: 'id', field: 'id' }, mappings: [{ from: 't', to: 't' }] },
      columns,
    )
    if ('unsupported' in built) throw new Error(built.unsupported)
    const run = async () => {
      for await (const _ of source.query(`SELECT ${built.payload} FROM (${sql}) AS m`)) {
      }
    }
    await expect(run()).rejects.toThrow(/outside years/)
    const infinite = `SELECT 1 AS id, 'infinity'::TIMESTAMPTZ AS t`
    const again = duckdbPayloadSql(
      { identifier: { column: 'id', field: 'id' }, mappings: [{ from: 't', to: 't' }] },
      await source.describe(infinite, ctx),
    )
    if ('unsupported' in again) throw new Error(again.unsupported)
    await expect(
      (async () => {
        for await (const _ of source.query(`SELECT ${again.payload} FROM (${infinite}) AS m`)) {
        }
      })(),
    ).rejects.toThrow(/outside years/)
  })
})

describe('the rule: which syncs take the SQL path', () => {
  const sql = `SELECT 1 AS id, 1.5::DOUBLE AS d, 1.5::FLOAT AS f, '{"a":1}'::JSON AS j, MAP {'a': 1} AS m,
    [1, 2]::INTEGER[2] AS fixed, 'x' AS s, {'0': 1} AS indexed, [1.5::DOUBLE] AS doubles, [1] AS list, TIME '01:02:03' AS t,
    [1::BIGINT] AS bigs, {'n': 1::HUGEINT} AS nested_big`
  const plain = (from: string) => ({
    identifier: { column: 'id', field: 'id' },
    mappings: [{ from, to: 'out' }],
  })

  it('keeps types not proven identical on the JS path, with the reason', async () => {
    const columns = await source.describe(sql, ctx)
    for (const column of ['d', 'f', 'j', 'm', 'fixed', 'indexed', 'doubles', 't', 'bigs', 'nested_big']) {
      expect(duckdbPayloadSql(plain(column), columns), column).toEqual({
        unsupported: expect.stringContaining(`"${column}"`),
      })
    }
    expect(duckdbPayloadSql(plain('s'), columns)).toHaveProperty('payload')
    expect(duckdbPayloadSql(plain('list'), columns)).toHaveProperty('payload')
  })

  it('keeps mappings that are not plain renames on the JS path', async () => {
    const columns = await source.describe(sql, ctx)
    const id = { column: 'id', field: 'id' }
    expect(
      duckdbPayloadSql({ identifier: id, mappings: [{ from: 's', to: 'out', cast: 'number' }] }, columns),
    ).toEqual({
      unsupported: expect.stringContaining('casts'),
    })
    expect(
      duckdbPayloadSql(
        { identifier: id, mappings: [{ to: 'o', object: [{ from: 's', to: 'a' }] }] },
        columns,
      ),
    ).toEqual({ unsupported: expect.stringContaining('object or array') })
    expect(duckdbPayloadSql({ identifier: id, mappings: [], syncAllProperties: true }, columns)).toEqual({
      unsupported: 'sync all properties',
    })
    expect(duckdbPayloadSql({ identifier: id, mappings: [{ from: 's', to: 'a.0' }] }, columns)).toEqual({
      unsupported: expect.stringContaining('index-like'),
    })
    expect(duckdbPayloadSql({ identifier: { column: 'list', field: 'id' }, mappings: [] }, columns)).toEqual({
      unsupported: expect.stringContaining('identifier'),
    })
  })
})
