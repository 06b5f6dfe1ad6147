import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { SourceStageRequest } from '@sluice/core'
import { literal, scalar } from './database.js'
import { duckdbPayloadSql } from './duckdb-payload.js'

let files = 0

/**
 * Stages a DuckDB model without its rows passing through JS: the source's own DuckDB builds each
 * row's identifier and payload text in SQL (`duckdbPayloadSql`) and writes them as one parquet file
 * in `folder`, which the diff then reads in place. The rows are not copied into this store's DuckDB:
 * the diff reads only identifiers and payloads to hash, and payloads again only for the rows that
 * changed, so a model larger than memory stays on disk. The source's file stays open only in the
 * source (read-only or not, any number of processes), and an in-memory warehouse works the same way.
 *
 * Undefined when the model cannot be staged so (another dialect, a source that runs no statements, a
 * mapping or type not built identically in SQL, a value that raised in the SQL): the engine then reads
 * the rows and stages them itself, and nothing was staged here.
 */
export async function stageFromDuckDBSource(
  request: SourceStageRequest,
  into: { connection: DuckDBConnection; folder: string },
): Promise<{ file: string; rows: number } | undefined> {
  if (request.dialect !== 'duckdb' || !request.source.execute) return undefined
  const built = duckdbPayloadSql(request.sync, request.columns)
  if ('unsupported' in built) return undefined
  const file = join(into.folder, `staged-${process.pid}-${++files}.parquet`)
  try {
    await request.source.execute(
      `COPY (SELECT ${built.identifier} AS identifier, ${built.payload} AS payload
             FROM (${request.sql}) AS sluice_model)
       TO ${literal(file)} (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 30000)`,
    )
    // The row count is in the file's footer: nothing is scanned.
    const rows = await scalar<bigint>(
      into.connection,
      `SELECT coalesce(sum(num_rows), 0)::BIGINT FROM parquet_file_metadata(${literal(file)})`,
    )
    return { file, rows: Number(rows) }
  } catch {
    await rm(file, { force: true })
    return undefined
  }
}
