import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { SourceStageRequest } from '@sluice/core'
import { literal } from './database.js'
import { duckdbPayloadSql } from './duckdb-payload.js'

let files = 0

/**
 * Stages a DuckDB model without its rows passing through JS: the source's own DuckDB builds each
 * row's identifier and payload text in SQL (`duckdbPayloadSql`) and writes them as one parquet file
 * (row groups of 30,000 rows, so reading it holds a few MB per thread), which this store's DuckDB
 * appends to the staging table. (Reading the file in place from the diff instead ran out of memory
 * setting up a 100M-row snapshot; the staging table spills: ADR 16.) The source's file stays open only in the
 * source (read-only or not, any number of processes), and an in-memory warehouse works the same way.
 *
 * Undefined when the model cannot be staged so (another dialect, a source that runs no statements, a
 * mapping or type not built identically in SQL, a value that raised in the SQL): the engine then reads
 * the rows and stages them itself, and nothing was staged here.
 */
export async function stageFromDuckDBSource(
  request: SourceStageRequest,
  into: { connection: DuckDBConnection; table: string; folder: string },
): Promise<number | undefined> {
  if (request.dialect !== 'duckdb' || !request.source.execute) return undefined
  const built = duckdbPayloadSql(request.sync, request.columns)
  if ('unsupported' in built) return undefined
  const file = join(into.folder, `staged-${process.pid}-${++files}.parquet`)
  try {
    try {
      await request.source.execute(
        `COPY (SELECT ${built.identifier} AS identifier, ${built.payload} AS payload
               FROM (${request.sql}) AS sluice_model)
         TO ${literal(file)} (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 30000)`,
      )
    } catch {
      return undefined
    }
    const result = await into.connection.run(
      `INSERT INTO ${into.table} SELECT identifier, payload FROM read_parquet(${literal(file)})`,
    )
    return Number(result.rowsChanged)
  } finally {
    await rm(file, { force: true })
  }
}
