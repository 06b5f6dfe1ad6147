import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  type ModelConfig,
  type Row,
  resolveModelSql,
  rowHash,
  SluiceError,
  stringifyExact,
} from '@sluice/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres, { connectPostgres, type PostgresSource } from '../src/index.js'
import { DATABASE_URL, scratchSchema } from './database.js'

const ctx = { signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } }

let db: Awaited<ReturnType<typeof scratchSchema>>
let source: PostgresSource
beforeAll(async () => {
  db = await scratchSchema('srcpg')
  source = connectPostgres({ url: db.readOnlyUrl })
})
afterAll(async () => {
  await source?.close?.()
  await db?.drop()
})

async function all(sql: string, chunkSize?: number): Promise<Row[]> {
  const rows: Row[] = []
  for await (const chunk of source.query(sql, chunkSize ? { chunkSize } : {})) rows.push(...chunk)
  return rows
}

async function failure(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SluiceError)
  return error as SluiceError
}

describe('source-postgres', () => {
  it('is a source connector with a Postgres dialect that can hold bookkeeping', () => {
    expect(postgres.kind).toBe('source')
    expect(postgres.name).toBe('postgres')
    expect(postgres.capabilities).toEqual({ bookkeeping: true, dialect: 'postgres' })
  })

  it('returns every column type exactly, as the DuckDB source gives the same data', async () => {
    await source.check(ctx)
    const rows = await all(`
      SELECT
        9007199254740993::bigint AS big,
        42::bigint AS small_big,
        (-9223372036854775807 - 1)::bigint AS min_big,
        9223372036854775807::bigint AS max_big,
        12345678901234567890.123456789::numeric(38,9) AS amount,
        0.10::numeric(4,2) AS cents,
        'NaN'::numeric AS not_a_number,
        TIMESTAMPTZ '2024-03-01 12:34:56.789+02' AS at_tz,
        TIMESTAMPTZ '2024-03-01 12:34:56.789123+00' AS at_micros,
        TIMESTAMPTZ '2024-03-01 12:34:56+00' AS at_second,
        TIMESTAMP '1969-12-31 23:59:59.5' AS naive,
        TIMESTAMPTZ '1969-12-31 23:59:59.999999+00' AS before_epoch,
        TIMESTAMPTZ '2400-02-29 01:02:03.000004+00' AS far_future,
        'infinity'::timestamptz AS forever,
        DATE '2024-02-29' AS day,
        true AS yes, false AS no,
        '{"a": [1, {"b": null}], "c": "d", "n": 12345678901234567890}'::jsonb AS doc,
        '{"z": 1, "a": 2}'::json AS kept_order,
        ARRAY[1, 2, 3]::int[] AS nums,
        ARRAY[9007199254740993, 1]::bigint[] AS bigs,
        ARRAY['a', NULL, 'c ✓']::text[] AS words,
        ARRAY[[1, 2], [3, 4]]::int[] AS grid,
        ARRAY['1.50', '2']::numeric[] AS prices,
        ARRAY[TIMESTAMPTZ '2024-01-01 00:00:00.25+00']::timestamptz[] AS stamps,
        ARRAY['{"k": 1}'::jsonb] AS docs,
        NULL::text AS nothing,
        E'h\\u00e9llo w\\u00f6rld \\u2713 \\u65e5\\u672c \\U0001F680 "quoted" \\\\ tab\\t' AS unicode,
        3.5::float8 AS ratio,
        0.25::float4 AS quarter,
        'NaN'::float8 AS nan,
        7::smallint AS small,
        '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f'::uuid AS uid,
        '\\xdeadbeef'::bytea AS blob,
        INTERVAL '1 day 02:03:04' AS span,
        TIME '12:34:56' AS clock
    `)
    expect(rows).toEqual([
      {
        big: 9007199254740993n,
        small_big: 42n,
        min_big: -9223372036854775808n,
        max_big: 9223372036854775807n,
        amount: '12345678901234567890.123456789',
        cents: '0.10',
        not_a_number: 'NaN',
        at_tz: '2024-03-01T10:34:56.789Z',
        at_micros: '2024-03-01T12:34:56.789123Z',
        at_second: '2024-03-01T12:34:56.000Z',
        naive: '1969-12-31T23:59:59.500',
        before_epoch: '1969-12-31T23:59:59.999999Z',
        far_future: '2400-02-29T01:02:03.000004Z',
        forever: 'infinity',
        day: '2024-02-29',
        yes: true,
        no: false,
        doc: { a: [1, { b: null }], c: 'd', n: 12345678901234567890n },
        kept_order: { z: 1, a: 2 },
        nums: [1, 2, 3],
        bigs: [9007199254740993n, 1n],
        words: ['a', null, 'c ✓'],
        grid: [
          [1, 2],
          [3, 4],
        ],
        prices: ['1.50', '2'],
        stamps: ['2024-01-01T00:00:00.250Z'],
        docs: [{ k: 1 }],
        nothing: null,
        unicode: 'héllo wörld ✓ 日本 🚀 "quoted" \\ tab\t',
        ratio: 3.5,
        quarter: 0.25,
        nan: Number.NaN,
        small: 7,
        uid: '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f',
        blob: Buffer.from('deadbeef', 'hex').toString('base64'),
        span: '1 day 02:03:04',
        clock: '12:34:56',
      },
    ])
  })

  it('serialises and hashes a row exactly as the engine does for the same DuckDB values', async () => {
    // Golden values (md5 checked against `md5sum` and Postgres's md5()): the DuckDB source's test gives
    // these very values for the same literals, so the payload text and the row hash are the same
    // whichever warehouse the model comes from.
    const [row] =
      await all(`SELECT 9007199254740993::bigint AS big, 42::bigint AS n, 0.10::numeric(4,2) AS cents,
      TIMESTAMPTZ '2024-03-01 12:34:56.789+02' AS at, 'héllo 🚀' AS s, ARRAY[1,2]::int[] AS a`)
    const text = stringifyExact(row as Row)
    expect(text).toBe(
      '{"big":9007199254740993,"n":42,"cents":"0.10","at":"2024-03-01T10:34:56.789Z","s":"héllo 🚀","a":[1,2]}',
    )
    expect(rowHash(text)).toBe('fe1acf2eeca7d3b759d6f72b2b177c6f')
  })

  it('keeps timestamps in UTC whatever time zone the role defaults to', async () => {
    await db.sql(`ALTER ROLE "${db.role}" SET TimeZone = 'America/New_York'`)
    const fresh = connectPostgres({ url: db.readOnlyUrl })
    try {
      const rows: Row[] = []
      for await (const chunk of fresh.query(`SELECT TIMESTAMPTZ '2024-07-01 12:00:00.5+00' AS at`))
        rows.push(...chunk)
      expect(rows).toEqual([{ at: '2024-07-01T12:00:00.500Z' }])
    } finally {
      await fresh.close?.()
      await db.sql(`ALTER ROLE "${db.role}" RESET TimeZone`)
    }
  })

  it('reads a table, a view, a SQL model and a dbt model, as the engine resolves them', async () => {
    const s = db.schema
    await db.sql(`CREATE TABLE "${s}".people (id bigint PRIMARY KEY, email text, plan text)`)
    await db.sql(
      `INSERT INTO "${s}".people VALUES (1, 'a@x.io', 'pro'), (2, 'b@x.io', 'free'), (3, 'c@x.io', 'pro')`,
    )
    await db.sql(`CREATE VIEW "${s}".pros AS SELECT id, email FROM "${s}".people WHERE plan = 'pro'`)
    const dir = mkdtempSync(join(tmpdir(), 'sluice-dbt-'))
    try {
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({
          metadata: { project_name: 'shop' },
          nodes: {
            'model.shop.pros': {
              resource_type: 'model',
              name: 'pros',
              package_name: 'shop',
              relation_name: `"test"."${s}"."pros"`,
            },
          },
        }),
      )
      const models: ModelConfig[] = [
        { source: 'pg', table: `${s}.people`, filter: "plan = 'pro'" } as ModelConfig,
        { source: 'pg', view: `${s}.pros` } as ModelConfig,
        { source: 'pg', sql: `SELECT id, email FROM "${s}".people WHERE plan = 'pro';` } as ModelConfig,
        { source: 'pg', dbt: { model: 'pros', manifest: 'manifest.json' } } as ModelConfig,
      ]
      for (const model of models) {
        const sql = resolveModelSql(model, { dialect: 'postgres', projectDir: dir })
        const rows = await all(`SELECT id, email FROM (${sql}) AS m ORDER BY id`)
        expect(rows).toEqual([
          { id: 1n, email: 'a@x.io' },
          { id: 3n, email: 'c@x.io' },
        ])
      }
      // Cursor mode: rows past the cursor only.
      const after = resolveModelSql({ source: 'pg', table: `${s}.people`, cursor: 'id' } as ModelConfig, {
        dialect: 'postgres',
        cursorAfter: 2,
      })
      expect(await all(after)).toEqual([{ id: 3n, email: 'c@x.io', plan: 'pro' }])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('describes a query without reading it', async () => {
    const columns = await source.describe(
      `SELECT 1::bigint AS id, 2.5::numeric(10,2) AS v, now() AS at, ARRAY['x']::text[] AS tags, '{}'::jsonb AS doc`,
      ctx,
    )
    expect(columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'v', type: 'numeric(10,2)' },
      { name: 'at', type: 'timestamp with time zone' },
      { name: 'tags', type: 'text[]' },
      { name: 'doc', type: 'jsonb' },
    ])
  })

  it('discovers the relations the role may read, with their columns', async () => {
    const s = db.schema
    await db.sql(`CREATE TABLE "${s}".orders (id uuid NOT NULL, total numeric(12,2), placed_at timestamptz)`)
    await db.sql(`CREATE TABLE "${s}".secrets (k text)`)
    await db.sql(`REVOKE SELECT ON "${s}".secrets FROM "${db.role}"`)
    const mine = (await source.discover()).filter((r) => r.schema === s)
    expect(mine.map((r) => `${r.kind}:${r.name}`)).toEqual(['table:orders', 'table:people', 'view:pros'])
    expect(mine.find((r) => r.name === 'orders')?.columns).toEqual([
      { name: 'id', type: 'uuid', nullable: false },
      { name: 'total', type: 'numeric(12,2)', nullable: true },
      { name: 'placed_at', type: 'timestamp with time zone', nullable: true },
    ])
  })

  it('works with a read-only role, and says what to grant when it may not read', async () => {
    const s = db.schema
    const write = await failure(
      source.execute?.(`INSERT INTO "${s}".people VALUES (9, 'x', 'y')`) as Promise<void>,
    )
    expect(write.category).toBe('auth')
    expect(write.message).toMatch(/\[source-postgres\] statement failed: permission denied/)
    await db.sql(`CREATE TABLE "${s}".hidden (id int)`)
    await db.sql(`REVOKE SELECT ON "${s}".hidden FROM "${db.role}"`)
    const read = await failure(all(`SELECT * FROM "${s}".hidden`))
    expect(read.category).toBe('auth')
    expect(read.message).toMatch(/permission denied .*hidden.*Grant the role USAGE on the schema and SELECT/)
    // The connection went back to the pool in a usable state.
    expect(await all('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('names the query in a clear error', async () => {
    const error = await failure(all('SELECT * FROM no_such_table'))
    expect(error.category).toBe('config')
    expect(error.code).toBe('QUERY_FAILED')
    expect(error.message).toMatch(/\[source-postgres\] query failed: relation "no_such_table" does not exist/)
    expect(error.details.sql).toBe('SELECT * FROM no_such_table')
  })

  it('fails check with a connection error for an unreachable server, and a config error for a missing database', async () => {
    const unreachable = new URL(DATABASE_URL)
    unreachable.port = '1'
    unreachable.password = 's3cret-password'
    const down = connectPostgres({ url: unreachable.toString() })
    const refused = await failure(down.check(ctx))
    expect(refused.category).toBe('connection')
    expect(refused.message).toMatch(/cannot connect to PostgreSQL: .*ECONNREFUSED.*Check the host and port/)
    expect(refused.message).not.toContain('s3cret-password')
    await down.close?.()

    const missing = new URL(DATABASE_URL)
    missing.pathname = '/no_such_database_here'
    const nodb = connectPostgres({ url: missing.toString() })
    const error = await failure(nodb.check(ctx))
    expect(error.category).toBe('config')
    expect(error.message).toMatch(/database "no_such_database_here" does not exist.*database name/)
    await nodb.close?.()
  })

  it('requires TLS when ssl is set', async () => {
    const tls = connectPostgres({ url: DATABASE_URL, ssl: true })
    const error = await failure(tls.check(ctx))
    expect(error.category).toBe('connection')
    expect(error.message).toMatch(/SSL/i)
    await tls.close?.()
  })

  it('gives connections back when a reader stops early or is cancelled', async () => {
    const small = connectPostgres({ url: db.readOnlyUrl, maxConnections: 1 })
    try {
      for (let i = 0; i < 5; i++) {
        for await (const chunk of small.query('SELECT g FROM generate_series(1, 100000) g', {
          chunkSize: 10,
        })) {
          expect(chunk).toHaveLength(10)
          break
        }
      }
      const controller = new AbortController()
      const error = await failure(
        (async () => {
          for await (const _ of small.query('SELECT g FROM generate_series(1, 100000) g', {
            chunkSize: 10,
            signal: controller.signal,
          })) {
            controller.abort()
          }
        })(),
      )
      expect(error.category).toBe('cancelled')
      // With one connection, every early stop above would have starved this query had it leaked.
      const rows: Row[] = []
      for await (const chunk of small.query('SELECT 1 AS one')) rows.push(...chunk)
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      await small.close?.()
    }
  })

  it('streams a large model in chunks with a flat heap', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const sql = `SELECT g AS id, 'user-' || g AS email, g % 7 AS bucket, jsonb_build_object('tier', 'gold', 'n', g) AS profile
                 FROM generate_series(1, 1000000) g`
    let seen = 0
    let chunks = 0
    let baseline = 0
    let peak = 0
    for await (const chunk of source.query(sql, { chunkSize: 2048 })) {
      chunks++
      expect(chunk.length).toBeLessThanOrEqual(2048)
      seen += chunk.length
      if (seen % 100_000 < chunk.length) {
        gc()
        const used = process.memoryUsage().heapUsed
        if (baseline === 0) baseline = used
        peak = Math.max(peak, used)
      }
    }
    expect(seen).toBe(1_000_000)
    expect(chunks).toBeGreaterThanOrEqual(488)
    // 1M rows held in memory would be a few hundred MB; a cursor keeps the heap where it started.
    expect(peak - baseline).toBeLessThan(32 * 1024 * 1024)
  }, 180_000)
})
