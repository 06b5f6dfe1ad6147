import { type ColumnInfo, defineSource, type QueryOptions, type Row, type Source } from '@sluice/core'
import pg from 'pg'
import Cursor from 'pg-cursor'
import Type, { type Static } from 'typebox'
import { type DiscoveredRelation, discoverRelations } from './discover.js'
import { cancelled, postgresError } from './errors.js'
import { parserFor } from './values.js'

export type { DiscoveredColumn, DiscoveredRelation } from './discover.js'
export { postgresError } from './errors.js'
export { bigintValue, parserFor, timestampValue } from './values.js'

/** The Postgres source's settings. */
export const PostgresSourceConfig = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      description: 'a postgres:// connection URL, usually ${env:DATABASE_URL}; a read-only role is enough',
    }),
    ssl: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'require TLS, verifying the server certificate',
      }),
    ),
    maxConnections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        default: 4,
        description: 'connections kept open to the database at most',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PostgresSourceConfig = Static<typeof PostgresSourceConfig>

const DEFAULT_CHUNK = 2048

/** The connected source, with discovery and the pool for those who share the database (state in it). */
export interface PostgresSource extends Source {
  /** the tables, views and materialized views this role may read, with their columns */
  discover(): Promise<DiscoveredRelation[]>
  readonly pool: pg.Pool
}

/**
 * Connects to PostgreSQL. The pool is created on first use; every session runs in UTC so timestamps
 * read the same whatever the role's or the server's time zone, and values are parsed into Sluice's
 * `Value` (see values.ts) exactly.
 */
export function connectPostgres(config: PostgresSourceConfig): PostgresSource {
  let pool: pg.Pool | undefined
  const open = (): pg.Pool => {
    if (pool) return pool
    pool = new pg.Pool({
      connectionString: config.url,
      max: config.maxConnections ?? 4,
      options: '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres',
      application_name: 'sluice',
      ...(config.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
      types: { getTypeParser: ((oid: number) => parserFor(oid)) as never },
    })
    // An idle connection that drops (server restart) must not crash the process.
    pool.on('error', () => {})
    return pool
  }
  const client = async () => {
    try {
      return await open().connect()
    } catch (error) {
      throw postgresError(error, 'cannot connect to PostgreSQL')
    }
  }

  return {
    get pool() {
      return open()
    },

    async check() {
      const c = await client()
      try {
        await c.query('SELECT 1')
      } catch (error) {
        throw postgresError(error, 'SELECT 1 failed')
      } finally {
        c.release()
      }
    },

    async describe(sql: string): Promise<ColumnInfo[]> {
      const c = await client()
      try {
        // Planned, never run: LIMIT 0 reads no row.
        const result = await c.query(`SELECT * FROM (${sql}) AS sluice_describe LIMIT 0`).catch((error) => {
          throw postgresError(error, 'query failed', sql)
        })
        const names = await c.query<{ type: string }>(
          `SELECT format_type(t.oid, t.mod) AS type
           FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS t(oid, mod, i) ORDER BY t.i`,
          [result.fields.map((f) => f.dataTypeID), result.fields.map((f) => f.dataTypeModifier)],
        )
        return result.fields.map((field, i) => ({ name: field.name, type: String(names.rows[i]?.type) }))
      } finally {
        c.release()
      }
    },

    async *query(sql: string, options: QueryOptions = {}): AsyncGenerator<Row[]> {
      const size = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
      const c = await client()
      // A server-side portal: Postgres keeps the result, and hands over `size` rows per read.
      const cursor = c.query(new Cursor<Row>(sql))
      let broken = false
      try {
        for (;;) {
          if (options.signal?.aborted) throw cancelled()
          let rows: Row[]
          try {
            rows = await cursor.read(size)
          } catch (error) {
            broken = true
            throw postgresError(error, 'query failed', sql)
          }
          if (rows.length === 0) break
          yield rows
          if (rows.length < size) break
        }
      } finally {
        await cursor.close().catch(() => {
          broken = true
        })
        c.release(broken)
      }
    },

    async execute(sql: string, params: unknown[] = []) {
      const c = await client()
      try {
        await c.query(sql, params)
      } catch (error) {
        throw postgresError(error, 'statement failed', sql)
      } finally {
        c.release()
      }
    },

    async discover() {
      const c = await client()
      try {
        return await discoverRelations(c)
      } catch (error) {
        throw postgresError(error, 'discovery failed')
      } finally {
        c.release()
      }
    },

    async close() {
      const p = pool
      pool = undefined
      await p?.end()
    },
  }
}

export default defineSource({
  name: 'postgres',
  config: PostgresSourceConfig,
  capabilities: { bookkeeping: true, dialect: 'postgres' },
  connect: (config) => connectPostgres(config),
})
