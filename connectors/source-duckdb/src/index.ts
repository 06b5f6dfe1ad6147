import { existsSync } from 'node:fs'
import { type DuckDBConnection, DuckDBInstance, type DuckDBType } from '@duckdb/node-api'
import {
  type ColumnInfo,
  defineSource,
  type QueryOptions,
  type Row,
  SluiceError,
  type Source,
} from '@sluice/core'
import Type, { type Static } from 'typebox'
import { columnConverter } from './values.js'

export { columnConverter, toValue } from './values.js'

/** The DuckDB source's settings. */
export const DuckDBSourceConfig = Type.Object(
  {
    path: Type.String({
      default: ':memory:',
      description: 'a DuckDB database file, or :memory: for an in-memory database',
    }),
    readOnly: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'open the file read-only, so other processes may read it at the same time',
      }),
    ),
  },
  { additionalProperties: false },
)
export type DuckDBSourceConfig = Static<typeof DuckDBSourceConfig>

const COMPONENT = 'source-duckdb'

/**
 * Opens a DuckDB database as a Sluice source. The instance is created on first use, so defining and
 * configuring the source never touches the file.
 */
export function connectDuckDB(
  config: DuckDBSourceConfig,
): Source & { connection(): Promise<DuckDBConnection> } {
  let opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined
  const open = () => {
    opened ??= (async () => {
      // DuckDB creates a missing file; a warehouse that is not there is a wrong path, not a new database.
      if (config.path !== ':memory:' && !existsSync(config.path)) {
        opened = undefined
        throw new SluiceError('connection', `no DuckDB database at "${config.path}"`, {
          component: COMPONENT,
          code: 'SOURCE_NOT_FOUND',
          hint: `Check the source's path (relative paths are taken from the project's folder, ${process.cwd()}).`,
        })
      }
      try {
        const options: Record<string, string> = config.readOnly ? { access_mode: 'READ_ONLY' } : {}
        const instance = await DuckDBInstance.create(config.path, options)
        return { instance, connection: await instance.connect() }
      } catch (error) {
        opened = undefined
        throw new SluiceError(
          'connection',
          `cannot open DuckDB database "${config.path}": ${message(error)}`,
          {
            component: COMPONENT,
            cause: error,
            hint: 'Check the path, and that no other process holds the file open for writing.',
          },
        )
      }
    })()
    return opened
  }

  const source = {
    async connection() {
      return (await open()).connection
    },

    async check() {
      const { connection } = await open()
      await run(() => connection.run('SELECT 1'), 'SELECT 1')
    },

    async describe(sql: string): Promise<ColumnInfo[]> {
      const { connection } = await open()
      const result = await run(() => connection.run(`DESCRIBE ${sql}`), sql)
      const rows = await result.getRowObjectsJS()
      return rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
    },

    async *query(sql: string, options: QueryOptions = {}): AsyncGenerator<Row[]> {
      const { instance } = await open()
      // One connection per query, so several queries (and the engine's bookkeeping) never share a
      // streaming result.
      const connection = await instance.connect()
      try {
        const result = await run(() => connection.stream(sql), sql)
        const names = result.deduplicatedColumnNames()
        const convert = result.columnTypes().map((type: DuckDBType) => columnConverter(type))
        const wanted = options.chunkSize ?? 0
        let pending: Row[] = []
        for (;;) {
          if (options.signal?.aborted) throw cancelled()
          const chunk = await result.fetchChunk()
          if (!chunk || chunk.rowCount === 0) break
          const columns = chunk.getColumns()
          const count = chunk.rowCount
          for (let r = 0; r < count; r++) {
            const row: Row = {}
            for (let c = 0; c < names.length; c++) {
              row[names[c] as string] = (convert[c] as (v: never) => Row[string])(
                (columns[c] as never[])[r] as never,
              )
            }
            pending.push(row)
          }
          if (pending.length >= wanted) {
            yield pending
            pending = []
          }
        }
        if (pending.length > 0) yield pending
      } finally {
        connection.closeSync()
      }
    },

    async execute(sql: string, params: unknown[] = []) {
      const { connection } = await open()
      await run(() => connection.run(sql, params as never), sql)
    },

    async close() {
      if (!opened) return
      const { instance, connection } = await opened
      opened = undefined
      connection.closeSync()
      instance.closeSync()
    },
  }
  return source
}

export default defineSource({
  name: 'duckdb',
  config: DuckDBSourceConfig,
  capabilities: { bookkeeping: true, dialect: 'duckdb' },
  connect: (config) => connectDuckDB(config),
})

async function run<T>(fn: () => Promise<T>, sql: string): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw new SluiceError('config', `query failed: ${message(error)}`, {
      component: COMPONENT,
      code: 'QUERY_FAILED',
      cause: error,
      details: { sql: sql.length > 500 ? `${sql.slice(0, 500)}…` : sql },
    })
  }
}

function cancelled(): SluiceError {
  return new SluiceError('cancelled', 'query cancelled', { component: COMPONENT, code: 'CANCELLED' })
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
