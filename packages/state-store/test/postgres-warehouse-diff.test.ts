import {
  compileMapping,
  type ModelConfig,
  type Row,
  rowHash,
  runSync,
  type Source,
  type SyncConfig,
  stringifyExact,
} from '@sluice/core'
import postgresSource, { connectPostgres, type PostgresSource } from '@sluice/source-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresStateStore, type PostgresStateStore } from '../src/index.js'
import { warehousePayloadSql } from '../src/postgres/warehouse-payload.js'
import { DATABASE_URL, type StateLocation, stateLocation } from './backends.js'
import { allBehaviours, MemoryDestination } from './helpers.js'

let location: StateLocation
let admin: pg.Client
let source: PostgresSource
const modelSchema = `sluice_model_${process.pid}_${Date.now().toString(36)}`
const q = async (sql: string) => (await admin.query(sql)).rows

beforeAll(async () => {
  location = stateLocation('/nonexistent')
  admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await q(`CREATE SCHEMA "${modelSchema}"`)
  source = connectPostgres({ url: DATABASE_URL })
})
afterAll(async () => {
  await source?.close?.()
  await q(`DROP SCHEMA IF EXISTS "${modelSchema}" CASCADE`)
  await admin.end()
  await location.drop()
})

/**
 * Every row the source hands out, counted: what travels from the warehouse to the engine. An opaque
 * source will not say which database it reads, so the store cannot stage from it.
 */
function counting(inner: Source, options: { opaque?: boolean } = {}): Source & { rows: number } {
  const counted = {
    rows: 0,
    check: inner.check.bind(inner),
    describe: inner.describe.bind(inner),
    async *query(sql: string, options_?: Parameters<Source['query']>[1]) {
      if (options.opaque && sql.includes('pg_control_system')) throw new Error('not telling')
      for await (const chunk of inner.query(sql, options_)) {
        counted.rows += chunk.length
        yield chunk
      }
    },
  }
  return counted
}

const EDGE_ROWS = `
  (1, 'Ada', 9007199254740993, 7, 12.50, 3, true, DATE '2024-02-29', TIMESTAMPTZ '2024-03-01 12:34:56.789+02',
   TIMESTAMP '1969-12-31 23:59:59.5', ARRAY['a', NULL, 'c ✓'], ARRAY[9007199254740993, -1]::bigint[],
   '8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f', 'v'),
  (2, E'quote " backslash \\\\ tab \\t newline \\n bell \\u0007 del \\u007f', -9223372036854775808, -7, 0.00, -3, false,
   DATE '0001-01-01', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', TIMESTAMP '2024-01-01 00:00:00',
   ARRAY[]::text[], ARRAY[[1, 2], [3, 4]]::bigint[], NULL, ''),
  (3, 'héllo wörld 日本 🚀 \u2028', 42, 2147483647, -99999999.99, 32767, NULL, NULL, TIMESTAMPTZ 'infinity',
   TIMESTAMP '2400-02-29 01:02:03.000004', NULL, NULL, NULL, NULL),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, DATE '9999-12-31', TIMESTAMPTZ '2024-07-01 00:00:00.1+00',
   TIMESTAMP '-infinity', ARRAY['{}', '"x"'], ARRAY[0]::bigint[], NULL, NULL),
  (9007199254740993, 'big id', 1, 1, 1, 1, true, DATE '2000-01-01', TIMESTAMPTZ '2000-01-01 00:00:00.0001+00',
   NULL, NULL, NULL, NULL, NULL)`

const EDGE_SYNC: SyncConfig = {
  model: 'edge',
  destination: 'memory',
  object: 'contacts',
  behaviour: 'upsert',
  identifier: { column: 'id', field: 'external_id' },
  mappings: [
    { from: 'name', to: 'profile.name' },
    { from: 'big', to: 'big' },
    { constant: 'warehouse', to: 'origin' },
    { from: 'n', to: 'n' },
    { from: 'price', to: 'profile.price' },
    { from: 'small', to: 'small' },
    { from: 'flag', to: 'flags.on' },
    { from: 'day', to: 'day' },
    { from: 'at', to: 'meta.at' },
    { constant: 1.5, to: 'meta.weight' },
    { from: 'naive', to: 'naive' },
    { from: 'tags', to: 'tags' },
    { from: 'nums', to: 'nums' },
    { from: 'uid', to: 'uid' },
    { from: 'vc', to: 'vc' },
    { constant: { nested: [1, 'two'] }, to: 'extra' },
  ],
} as SyncConfig

describe('payloads built in the warehouse', () => {
  beforeAll(async () => {
    await q(`CREATE TABLE "${modelSchema}".edge (id bigint, name text, big bigint, n integer, price numeric(12,2),
      small smallint, flag boolean, day date, at timestamptz, naive timestamp, tags text[], nums bigint[],
      uid uuid, vc varchar(20))`)
    await q(`INSERT INTO "${modelSchema}".edge VALUES ${EDGE_ROWS}`)
  })

  it('are byte for byte the payload text and hash the engine makes of the rows the source reads', async () => {
    const sql = `SELECT * FROM "${modelSchema}".edge`
    const columns = await source.describe(sql, {
      signal: new AbortController().signal,
      log: console as never,
    })
    const built = warehousePayloadSql(EDGE_SYNC, columns)
    if ('unsupported' in built) throw new Error(built.unsupported)
    const client = await source.pool.connect()
    let inSql: Array<{ identifier: string | null; payload: string; hash: string }>
    try {
      // As the store stages: another session's settings must not matter.
      await client.query("SET TimeZone = 'Asia/Kolkata'")
      await client.query('BEGIN')
      await client.query("SET LOCAL TimeZone = 'UTC'")
      await client.query("SET LOCAL DateStyle = 'ISO'")
      inSql = (
        await client.query(
          `SELECT ${built.identifier} AS identifier, ${built.payload} AS payload, md5(${built.payload}) AS hash
           FROM (${sql}) m ORDER BY id`,
        )
      ).rows
      await client.query('COMMIT')
      await client.query('RESET TimeZone')
    } finally {
      client.release()
    }
    const mapper = compileMapping(
      EDGE_SYNC,
      columns.map((c) => c.name),
    )
    const inEngine: Array<{ identifier: string | null; payload: string; hash: string }> = []
    for await (const rows of source.query(`${sql} ORDER BY id`)) {
      for (const row of rows as Row[]) {
        const payload = stringifyExact(mapper.payload(row))
        const id = mapper.identifier(row)
        inEngine.push({ identifier: id === null ? null : String(id), payload, hash: rowHash(payload) })
      }
    }
    expect(inSql).toHaveLength(5)
    expect(inSql).toEqual(inEngine)
    // A few pinned, so the test shows what both sides agree on.
    expect(inEngine[0]?.payload).toBe(
      '{"external_id":1,"profile":{"name":"Ada","price":"12.50"},"big":9007199254740993,"origin":"warehouse","n":7,"small":3,' +
        '"flags":{"on":true},"day":"2024-02-29","meta":{"at":"2024-03-01T10:34:56.789Z","weight":1.5},' +
        '"naive":"1969-12-31T23:59:59.500","tags":["a",null,"c ✓"],"nums":[9007199254740993,-1],' +
        '"uid":"8c8a8f5c-0f60-4c8e-9a43-3b1b2c3d4e5f","vc":"v","extra":{"nested":[1,"two"]}}',
    )
    expect(inEngine[4]?.identifier).toBe('9007199254740993')
  })

  it('are not attempted for what cannot be built identically', () => {
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'ratio', type: 'double precision' },
      { name: 'doc', type: 'jsonb' },
    ]
    const sync = (extra: Partial<SyncConfig>) => ({ ...EDGE_SYNC, mappings: [], ...extra }) as SyncConfig
    expect(warehousePayloadSql(sync({ mappings: [{ from: 'ratio', to: 'r' }] }), columns)).toEqual({
      unsupported: 'the column "ratio" is of type double precision',
    })
    expect(warehousePayloadSql(sync({ mappings: [{ from: 'doc', to: 'd' }] }), columns)).toEqual({
      unsupported: 'the column "doc" is of type jsonb',
    })
    expect(
      warehousePayloadSql(sync({ mappings: [{ from: 'id', to: 'n', cast: 'string' }] }), columns),
    ).toEqual({
      unsupported: 'the mapping to "n" casts its value',
    })
    expect(warehousePayloadSql(sync({ syncAllProperties: true }), columns)).toEqual({
      unsupported: 'sync all properties',
    })
    expect(warehousePayloadSql(sync({ mappings: [{ from: 'id', to: 'list.0' }] }), columns)).toMatchObject({
      unsupported: expect.stringMatching(/index-like/),
    })
  })
})

describe('the diff in the warehouse', () => {
  const ROWS = 5000
  let store: PostgresStateStore
  beforeAll(async () => {
    store = createPostgresStateStore({ url: DATABASE_URL, schema: location.schema as string })
    await q(`CREATE TABLE "${modelSchema}".people AS
      SELECT g::bigint AS id, 'user' || g || '@x.io' AS email, 'Name ' || g AS name, (g % 5)::int AS tier,
             g::float8 / 3 AS ratio
      FROM generate_series(1, ${ROWS}) g`)
  })
  afterAll(() => store?.close())

  const sync = (mappings: SyncConfig['mappings']): SyncConfig => ({
    model: 'people',
    destination: 'memory',
    object: 'contacts',
    behaviour: 'mirror',
    identifier: { column: 'id', field: 'external_id' },
    deleteBehaviour: 'delete',
    mappings,
  })
  const model = { source: 'warehouse', table: `${modelSchema}.people` } as ModelConfig
  const run = (name: string, s: SyncConfig, from: Source, destination: MemoryDestination) =>
    runSync({
      syncName: name,
      sync: s,
      model,
      source: from,
      sourceCapabilities: postgresSource.capabilities,
      destination,
      destinationCapabilities: { behaviours: allBehaviours, batchSize: 500, concurrency: 2 },
      state: store,
    })

  it('moves only the changed rows out of the warehouse, and sends exactly them', async () => {
    const mappings = [
      { from: 'email', to: 'email' },
      { from: 'name', to: 'profile.name' },
      { from: 'tier', to: 'tier' },
    ]
    const destination = new MemoryDestination()
    const first = counting(source)
    const initial = await run('people_in_warehouse', sync(mappings), first, destination)
    expect(initial.run.status).toBe('succeeded')
    expect(initial.run.counts.queried).toBe(ROWS)
    // One identity row crossed: the model was staged where it is.
    expect(first.rows).toBe(1)
    expect(destination.records.size).toBe(ROWS)

    // 1% changes, some rows leave, some arrive.
    await q(`UPDATE "${modelSchema}".people SET email = 'new' || id || '@x.io' WHERE id % 100 = 0`)
    await q(`DELETE FROM "${modelSchema}".people WHERE id > ${ROWS - 10}`)
    await q(`INSERT INTO "${modelSchema}".people SELECT g, 'late' || g || '@x.io', 'Late ' || g, 1, 0
             FROM generate_series(${ROWS + 1}, ${ROWS + 5}) g`)
    destination.clearLog()
    const second = counting(source)
    const rerun = await run('people_in_warehouse', sync(mappings), second, destination)
    expect(rerun.run.counts).toMatchObject({ queried: ROWS - 5, added: 5, changed: 49, removed: 10 })
    expect(second.rows).toBe(1)
    expect(destination.sent).toHaveLength(64)
    // The rows were never mapped in JS: the bigint column's declared type gives its field one type.
    expect(new Set(destination.sent.map((r) => typeof r.fields.external_id))).toEqual(new Set(['bigint']))
    expect(destination.records.get('100')).toEqual({
      external_id: 100n,
      email: 'new100@x.io',
      profile: { name: 'Name 100' },
      tier: 0,
    })
    expect(destination.records.has(String(ROWS))).toBe(false)
    expect(destination.records.size).toBe(ROWS - 5)

    // The same sync, staged by the engine from every row it reads, ends with the same snapshot: the
    // hashes made in SQL are the engine's.
    const opaque = counting(source, { opaque: true })
    const viaEngine = await run('people_via_engine', sync(mappings), opaque, new MemoryDestination())
    expect(viaEngine.run.counts.added).toBe(ROWS - 5)
    expect(opaque.rows).toBe(ROWS - 5)
    expect(await store.snapshotEntries('people_via_engine')).toEqual(
      await store.snapshotEntries('people_in_warehouse'),
    )

    // A column it cannot build identically (a double): the engine reads and stages the rows itself.
    const withFloat = counting(source)
    const floatRun = await run(
      'people_with_ratio',
      sync([...mappings, { from: 'ratio', to: 'ratio' }]),
      withFloat,
      new MemoryDestination(),
    )
    expect(floatRun.run.status).toBe('succeeded')
    expect(withFloat.rows).toBe(ROWS - 5)
  }, 120_000)
})
