import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { DuckDBValue } from '@duckdb/node-api'
import { type RecordFilter, type RunRef, SEND_ORDER, where } from './queries.js'
import { type LakeContext, withRunTable } from './run-files.js'
import { sqlString } from './sql.js'

export type ExportFormat = 'csv' | 'jsonl'

export interface ExportQuery extends RunRef, RecordFilter {
  format: ExportFormat
  /**
   * A file path (written whole or not at all), or a stream the rows are piped into. The stream is
   * not ended, so several exports can share one (stdout, an HTTP response).
   */
  to: string | NodeJS.WritableStream
}

/** Exported columns: the lake's, with ISO-8601 times and, in JSON lines, the payload as an object. */
const TIME = `'%Y-%m-%dT%H:%M:%S.%gZ'`
const CSV_COLUMNS = `identifier, status, status_message, operation, record_payload,
  strftime(batch_started_at, ${TIME}) AS batch_started_at, strftime(batch_ended_at, ${TIME}) AS batch_ended_at,
  run_id, record_hash, sync_tracking_internal_id`
const JSON_COLUMNS = CSV_COLUMNS.replace(
  'record_payload',
  // A payload that is not valid JSON is kept as a JSON string rather than lost.
  'coalesce(try_cast(record_payload AS JSON), to_json(record_payload)) AS record_payload',
)

/**
 * Writes a run's filtered records as CSV (with a header) or JSON lines. DuckDB writes the file
 * itself, streaming from the parquet files, so no row is held in JS; a stream destination gets that
 * file piped into it.
 */
export async function exportRecords(lake: LakeContext, query: ExportQuery): Promise<{ rows: number }> {
  const filter = where(query)
  return withRunTable(
    lake,
    { org: lake.org, ...query },
    async (table) => {
      const columns = query.format === 'csv' ? CSV_COLUMNS : JSON_COLUMNS
      const select = `SELECT ${columns} FROM ${table} ${filter.sql} ORDER BY ${SEND_ORDER}`
      return writeTo(lake, query.to, query.format, select, filter.params)
    },
    () => writeTo(lake, query.to, query.format, `SELECT ${CSV_COLUMNS} FROM ${EMPTY} WHERE false`, []),
  )
}

/** An empty table with the exported columns, for a run with nothing tracked. */
const EMPTY = `(SELECT NULL::VARCHAR AS identifier, NULL::VARCHAR AS status, NULL::VARCHAR AS status_message,
  NULL::VARCHAR AS operation, NULL::VARCHAR AS record_payload, NULL::TIMESTAMPTZ AS batch_started_at,
  NULL::TIMESTAMPTZ AS batch_ended_at, NULL::VARCHAR AS run_id, NULL::VARCHAR AS record_hash,
  NULL::VARCHAR AS sync_tracking_internal_id)`

async function writeTo(
  lake: LakeContext,
  to: string | NodeJS.WritableStream,
  format: ExportFormat,
  select: string,
  params: DuckDBValue[],
): Promise<{ rows: number }> {
  const staged =
    typeof to === 'string'
      ? `${to}.${randomBytes(6).toString('hex')}.tmp`
      : join(tmpdir(), `sluice-export-${randomBytes(6).toString('hex')}.${format}`)
  const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT json'
  try {
    const connection = await lake.connection()
    const result = await connection.runAndReadAll(
      `COPY (${select}) TO ${sqlString(staged)} (${options})`,
      params,
    )
    const rows = Number(result.getRows()[0]?.[0] ?? 0)
    if (typeof to === 'string') await rename(staged, to)
    else await pipeline(createReadStream(staged), to, { end: false })
    return { rows }
  } finally {
    await rm(staged, { force: true })
  }
}
