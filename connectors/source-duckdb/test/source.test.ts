import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type Row, rowHash, stringifyExact } from '@sluice/core'
import { afterAll, describe, expect, it } from 'vitest'
import duckdb, { connectDuckDB } from '../src/index.js'

const ctx = { signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } }

describe('source-duckdb', () => {
  const source = connectDuckDB({ path: ':memory:' })
  afterAll(() => source.close?.())

  it('is a source connector with a DuckDB dialect', () => {
    expect(duckdb.kind).toBe('source')
    expect(duckdb.capabilities.dialect).toBe('duckdb')
  })

  it('returns every column type faithfully', async () => {
    await source.check(ctx)
    const rows = []
    for await (const chunk of source.query(`
      SELECT
        9007199254740993::BIGINT AS big,
        42::BIGINT AS small_big,
        (-9223372036854775807 - 1)::BIGINT AS min_big,
        12345678901234567890.123456789::DECIMAL(38,9) AS amount,
        0.10::DECIMAL(4,2) AS cents,
        TIMESTAMPTZ '2024-03-01 12:34:56.789+02' AS at_tz,
        TIMESTAMPTZ '2024-03-01 12:34:56.789123+00' AS at_micros,
        TIMESTAMP '1969-12-31 23:59:59.5' AS naive,
        TIMESTAMPTZ '1969-12-31 23:59:59.999999+00' AS before_epoch,
        TIMESTAMPTZ '2400-02-29 01:02:03.000004+00' AS far_future,
        DATE '2024-02-29' AS day,
        true AS yes, false AS no,
        '{"a": [1, {"b": null}], "c": "d"}'::JSON AS doc,
        {'tier': 'gold', 'since': DATE '2020-01-01', 'n': 3::BIGINT} AS profile,
        MAP {'k1': 1, 'k2': 2} AS tags,
        [1, 2, 3] AS nums,
        [{'sku': 'x', 'qty': 2}] AS items,
        NULL::VARCHAR AS nothing,
        'héllo wörld ✓ 日本 🚀' AS unicode,
        3.5::DOUBLE AS ratio,
        'b'::ENUM('a','b') AS choice,
        '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f'::UUID AS uid
    `)) {
      rows.push(...chunk)
    }
    expect(rows).toEqual([
      {
        big: 9007199254740993n,
        small_big: 42n,
        min_big: -9223372036854775808n,
        amount: '12345678901234567890.123456789',
        cents: '0.10',
        at_tz: '2024-03-01T10:34:56.789Z',
        at_micros: '2024-03-01T12:34:56.789123Z',
        naive: '1969-12-31T23:59:59.500',
        before_epoch: '1969-12-31T23:59:59.999999Z',
        far_future: '2400-02-29T01:02:03.000004Z',
        day: '2024-02-29',
        yes: true,
        no: false,
        doc: { a: [1, { b: null }], c: 'd' },
        profile: { tier: 'gold', since: '2020-01-01', n: 3n },
        tags: { k1: 1, k2: 2 },
        nums: [1, 2, 3],
        items: [{ sku: 'x', qty: 2 }],
        nothing: null,
        unicode: 'héllo wörld ✓ 日本 🚀',
        ratio: 3.5,
        choice: 'b',
        uid: '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f',
      },
    ])
  })

  it('gives every value of a BIGINT column one type, whatever its size', async () => {
    const values: unknown[] = []
    for await (const chunk of source.query(
      'SELECT * FROM (VALUES (1::BIGINT), (9007199254740993::BIGINT), (NULL::BIGINT), (-2::BIGINT)) t(n)',
    ))
      values.push(...chunk.map((row) => row.n))
    expect(values).toEqual([1n, 9007199254740993n, null, -2n])
    const hugeint: unknown[] = []
    for await (const chunk of source.query(
      'SELECT 7::HUGEINT AS h UNION ALL SELECT 170141183460469231731687303715884105727::HUGEINT',
    ))
      hugeint.push(...chunk.map((row) => row.h))
    expect(hugeint.map((v) => typeof v)).toEqual(['bigint', 'bigint'])
  })

  it('serialises and hashes a row exactly as before BIGINT values became bigints, and as Postgres does', async () => {
    // Golden values, the same as the Postgres source's test: a small BIGINT is written as the same
    // digits whether it arrives as a number or a bigint, so existing snapshots keep their hashes.
    const rows: Row[] = []
    for await (const chunk of source.query(`SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS n,
      0.10::DECIMAL(4,2) AS cents, TIMESTAMPTZ '2024-03-01 12:34:56.789+02' AS at, 'héllo 🚀' AS s,
      [1, 2]::INTEGER[] AS a`))
      rows.push(...chunk)
    const text = stringifyExact(rows[0] as Row)
    expect(text).toBe(
      '{"big":9007199254740993,"n":42,"cents":"0.10","at":"2024-03-01T10:34:56.789Z","s":"héllo 🚀","a":[1,2]}',
    )
    expect(rowHash(text)).toBe('fe1acf2eeca7d3b759d6f72b2b177c6f')
    expect(text).toBe(stringifyExact({ ...rows[0], n: 42 } as Row))
  })

  it('describes a query without reading it', async () => {
    const columns = await source.describe('SELECT 1::BIGINT AS id, 2.5::DECIMAL(10,2) AS v', ctx)
    expect(columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'v', type: 'DECIMAL(10,2)' },
    ])
  })

  it('executes statements with parameters', async () => {
    await source.execute?.('CREATE TABLE t (id INTEGER, name VARCHAR)')
    await source.execute?.('INSERT INTO t VALUES (?, ?)', [1, 'ada'])
    const rows = []
    for await (const chunk of source.query('SELECT * FROM t')) rows.push(...chunk)
    expect(rows).toEqual([{ id: 1, name: 'ada' }])
  })

  it('names the query in a clear error', async () => {
    await expect(async () => {
      for await (const _ of source.query('SELECT * FROM no_such_table')) {
        // nothing
      }
    }).rejects.toThrow(/\[source-duckdb\] query failed: .*no_such_table/)
  })

  it('refuses a database file that does not exist, instead of creating an empty one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-missing-'))
    try {
      const missing = join(dir, 'warehuose.duckdb')
      await expect(connectDuckDB({ path: missing }).check(ctx)).rejects.toThrow(
        `no DuckDB database at "${missing}"`,
      )
      expect(existsSync(missing)).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a file it cannot open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-broken-'))
    try {
      const broken = join(dir, 'not-a-database.duckdb')
      await writeFile(broken, 'this is not a DuckDB file')
      await expect(connectDuckDB({ path: broken, readOnly: true }).check(ctx)).rejects.toThrow(
        `cannot open DuckDB database "${broken}"`,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('streams a large model with a flat heap', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const sql = `SELECT range AS id, 'user-' || range AS email, range % 7 AS bucket,
                 {'tier': 'gold', 'n': range} AS profile FROM range(2000000)`
    let seen = 0
    let baseline = 0
    let peak = 0
    for await (const chunk of source.query(sql, { chunkSize: 2048 })) {
      seen += chunk.length
      if (seen % 200_000 < chunk.length) {
        gc()
        const used = process.memoryUsage().heapUsed
        if (baseline === 0) baseline = used
        peak = Math.max(peak, used)
      }
    }
    expect(seen).toBe(2_000_000)
    // 2M rows held in memory would be several hundred MB; streaming keeps the heap where it started.
    expect(peak - baseline).toBeLessThan(32 * 1024 * 1024)
  }, 120_000)
})
