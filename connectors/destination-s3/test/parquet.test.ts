import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { Value } from '@sluice/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FileSpec, writeParquetFiles } from '../src/files.js'

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
})
