import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'

/**
 * The lake's own in-memory DuckDB: it writes the parquet files and answers the queries. Nothing is
 * stored in it; everything it knows it reads from the lake's files. Writes and reads use separate
 * connections so a query never waits behind a batch being written.
 */
export interface LakeDatabase {
  writer(): Promise<DuckDBConnection>
  reader(): Promise<DuckDBConnection>
  close(): Promise<void>
}

export function lakeDatabase(): LakeDatabase {
  let instance: Promise<DuckDBInstance> | undefined
  const connections = new Map<'writer' | 'reader', Promise<DuckDBConnection>>()
  const open = () => {
    instance ??= DuckDBInstance.create(':memory:')
    return instance
  }
  const connection = (role: 'writer' | 'reader') => {
    let connected = connections.get(role)
    if (!connected) {
      connected = open().then(async (db) => {
        const connection = await db.connect()
        // Times are written and exported as UTC whatever the machine's zone.
        await connection.run(`SET TimeZone = 'UTC'`)
        return connection
      })
      connections.set(role, connected)
    }
    return connected
  }
  return {
    writer: () => connection('writer'),
    reader: () => connection('reader'),
    async close() {
      const opened = instance
      const open = [...connections.values()]
      instance = undefined
      connections.clear()
      if (!opened) return
      for (const connection of await Promise.all(open)) connection.closeSync()
      ;(await opened).closeSync()
    },
  }
}
