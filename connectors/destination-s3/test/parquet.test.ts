import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { Value } from '@sluice/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeSlices, type FileSpec, writeParquetFiles } from '../src/files.js'

let db: DuckDBInstance
let connection: DuckDBConnection
let dir: string
let written = 0

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:')
  connection = await db.connect()
  dir = mkdtempSync(join(tmpdir(), 'sluice-s3-parquet-'))
})

afterAll(() => {
  connection.closeSync()
  db.closeSync()
  rmSync(dir, { recursive: true, force: true })
})

const spec = (columns: Record<string, string> = {}, maxFileBytes = 128 * 1024 * 1024): FileSpec => ({
  format: 'parquet',
  gzip: false,
  maxFileBytes,
  columns,
})

async function write(records: Array<Record<string, Value>>, fileSpec = spec()) {
  const out = join(dir, `out-${++written}`)
  const files = await writeParquetFiles(connection, records, fileSpec, out)
  const glob = `'${out}/*.parquet'`
  const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${glob})`)
  return {
    files,
    types: Object.fromEntries(types.getRowObjectsJS().map((r) => [r.column_name, r.column_type])),
    rows: async (select: string) =>
      (await connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${glob})`)).getRowObjectsJS(),
  }
}

describe('parquet columns', () => {
  it('infers each field type from its values, as the README documents', async () => {
    const { types, rows } = await write([
      { n: 1, big: 9007199254740993n, d: 1, b: true, o: { a: [1, 2] }, s: 'x', mixed: 1, none: null },
      { n: null, big: -5, d: 2.5, b: null, o: [3], s: null, mixed: 'two', none: null },
      { n: -3, big: null, d: null, b: false, o: null, s: '', mixed: true },
    ])
    expect(types).toEqual({
      n: 'BIGINT',
      big: 'BIGINT',
      d: 'DOUBLE',
      b: 'BOOLEAN',
      o: 'JSON',
      s: 'VARCHAR',
      mixed: 'VARCHAR',
      none: 'VARCHAR',
    })
    expect(await rows(`n, big::VARCHAR AS big, d, b, o::VARCHAR AS o, s, mixed, none`)).toEqual([
      { n: 1n, big: '9007199254740993', d: 1, b: true, o: '{"a":[1,2]}', s: 'x', mixed: '1', none: null },
      { n: null, big: '-5', d: 2.5, b: null, o: '[3]', s: null, mixed: 'two', none: null },
      { n: -3n, big: null, d: null, b: false, o: null, s: '', mixed: 'true', none: null },
    ])
  })

  it('casts declared types from the exact text of any value', async () => {
    const { types, rows } = await write(
      [
        { amount: '12345678901234.56', count: '42', at: '2026-12-05 07:00:00', ratio: 3 },
        { amount: 0.1, count: 9223372036854775807n, at: null, ratio: 0.25 },
      ],
      spec({ amount: 'DECIMAL(18,2)', count: 'BIGINT', at: 'TIMESTAMP', ratio: 'double' }),
    )
    expect(types).toEqual({ amount: 'DECIMAL(18,2)', count: 'BIGINT', at: 'TIMESTAMP', ratio: 'DOUBLE' })
    expect(
      await rows(`amount::VARCHAR AS amount, "count"::VARCHAR AS "count", "at"::VARCHAR AS "at", ratio`),
    ).toEqual([
      { amount: '12345678901234.56', count: '42', at: '2026-12-05 07:00:00', ratio: 3 },
      { amount: '0.10', count: '9223372036854775807', at: null, ratio: 0.25 },
    ])
  })

  it('refuses a declared type a value cannot be cast to, naming the value', async () => {
    await expect(write([{ amount: 'twelve' }], spec({ amount: 'DECIMAL(18,2)' }))).rejects.toThrow(/twelve/)
  })

  it('refuses an integer beyond BIGINT in an inferred column, saying what to declare', async () => {
    const error = await write([{ huge: 2n ** 64n }]).catch((e: unknown) => e)
    expect(error).toMatchObject({ category: 'config', code: 'VALUE_OUT_OF_RANGE' })
    expect((error as Error).message).toContain(
      'field "huge": 18446744073709551616 does not fit the inferred BIGINT; declare its type in "columns"',
    )
    const declared = await write([{ huge: 2n ** 64n }], spec({ huge: 'DECIMAL(38,0)' }))
    expect(await declared.rows('huge::VARCHAR AS huge')).toEqual([{ huge: '18446744073709551616' }])
  })

  it('hands over a write that spans many data chunks whole, with its row count', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      text: `row ${i} ${'x'.repeat(i % 50)}`,
    }))
    const { files, rows } = await write(records, spec({}, 64 * 1024))
    expect(files.reduce((sum, f) => sum + f.rows, 0)).toBe(20_000)
    expect(await rows('count(DISTINCT id)::INT AS n, sum(id)::BIGINT AS total')).toEqual([
      { n: 20_000, total: BigInt((19_999 * 20_000) / 2) },
    ])
  })

  it('splits a large write into files near maxFileBytes, every row in exactly one', async () => {
    const records = Array.from({ length: 50_000 }, (_, i) => ({
      id: i,
      // Hex text compresses little, so the parquet is several times the limit.
      text: createHash('sha256').update(String(i)).digest('hex'),
    }))
    const limit = 256 * 1024
    const { files, rows } = await write(records, spec({}, limit))
    expect(files.length).toBeGreaterThan(3)
    // A file ends at the first row group's end past the limit: a quarter of it at most.
    for (const file of files) expect(file.bytes).toBeLessThan(limit * 1.5)
    expect(files.reduce((sum, f) => sum + f.rows, 0)).toBe(50_000)
    expect(await rows('count(DISTINCT id)::INT AS n')).toEqual([{ n: 50_000 }])
  })

  it('keeps every string exact: control characters, the empty string apart from null, unicode, nested values', async () => {
    const strings = ['a\u0001b', '\u0002', '', 'nul\u0000inside', 'é 😀 中文', 'line\nbreak, "quoted"', null]
    const { types, rows } = await write(
      strings.map((s, i) => ({
        i,
        s,
        plain: s === null ? null : `p${i}`,
        o: { s, n: 2n ** 60n + BigInt(i) },
      })),
    )
    expect(types).toEqual({ i: 'BIGINT', s: 'VARCHAR', plain: 'VARCHAR', o: 'JSON' })
    expect(await rows('s, plain, o::VARCHAR AS o')).toEqual(
      strings.map((s, i) => ({
        s,
        plain: s === null ? null : `p${i}`,
        o: `{"s":${JSON.stringify(s)},"n":${2n ** 60n + BigInt(i)}}`,
      })),
    )
  })

  it('reads each record by its own fields, whatever their order, and a field it lacks as null', async () => {
    const { types, rows } = await write([
      { a: 1, b: 'x' },
      { b: 'y', a: 2 },
      { c: true },
      { a: 3, c: false, b: null },
    ])
    expect(types).toEqual({ a: 'BIGINT', b: 'VARCHAR', c: 'BOOLEAN' })
    expect(await rows('a, b, c')).toEqual([
      { a: 1n, b: 'x', c: null },
      { a: 2n, b: 'y', c: null },
      { a: null, b: null, c: true },
      { a: 3n, b: null, c: false },
    ])
  })

  it('writes doubles back bit for bit, -0, NaN and the infinities included', async () => {
    const doubles = [
      0.1,
      -0,
      5e-324,
      1.7976931348623157e308,
      1e21,
      -123.456e-7,
      Number.NaN,
      Infinity,
      -Infinity,
    ]
    const { types, rows } = await write(doubles.map((d) => ({ d })))
    expect(types).toEqual({ d: 'DOUBLE' })
    const back = (await rows('d')).map((r) => r.d as number)
    expect(back).toHaveLength(doubles.length)
    expect(back.map((d, i) => Object.is(d, doubles[i]))).toEqual(doubles.map(() => true))
  })

  it('infers one type across the parts of a large write, and keeps its rows in order', async () => {
    // 40,000 rows are read in several parts: integers in the first, a double only in the last.
    const records: Array<Record<string, Value>> = Array.from({ length: 40_000 }, (_, i) => ({
      id: BigInt(i) + 2n ** 62n,
      n: i === 39_999 ? 0.5 : i,
      maybe: i === 0 ? null : i % 2 === 0,
    }))
    const { types, rows } = await write(records)
    expect(types).toEqual({ id: 'BIGINT', n: 'DOUBLE', maybe: 'BOOLEAN' })
    const back = await rows('id::VARCHAR AS id, n, maybe')
    expect(back).toHaveLength(40_000)
    expect(back[0]).toEqual({ id: String(2n ** 62n), n: 0, maybe: null })
    expect(back[39_999]).toEqual({ id: String(2n ** 62n + 39_999n), n: 0.5, maybe: false })
    expect(back.every((r, i) => r.id === String(2n ** 62n + BigInt(i)))).toBe(true)
  })

  it('refuses an integer beyond BIGINT found in any part of a large write', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ n: i === 19_000 ? 2n ** 63n : BigInt(i) }))
    await expect(write(records)).rejects.toMatchObject({ code: 'VALUE_OUT_OF_RANGE' })
  })

  it('slices a write whose column text would be too long into parts that each fit', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ id: i, text: 'x'.repeat(100) }))
    const slices = encodeSlices(records, ['id', 'text'], 0, records.length, 350)
    expect(slices.length).toBeGreaterThan(2)
    expect(slices.flatMap((s) => s.texts[1]?.split('\u0001'))).toEqual(records.map((r) => r.text))
    expect(slices.flatMap((s) => s.texts[0]?.split('\u0001'))).toEqual(records.map((r) => String(r.id)))
  })

  it('refuses a single value too large to write', () => {
    expect(() => encodeSlices([{ text: 'x'.repeat(100) }], ['text'], 0, 1, 50)).toThrow(
      'field "text": a value too large to write as parquet',
    )
  })
})
