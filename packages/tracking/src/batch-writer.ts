import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api'
import {
  OPERATIONS,
  redact,
  SluiceError,
  TRACKING_STATUSES,
  type TrackedRecord,
  type TrackingBatch,
} from '@sluice/core'
import { TRACKING_COLUMNS } from './columns.js'
import { batchFile } from './layout.js'
import { sqlString } from './sql.js'
import type { LakeStorage } from './storage.js'

const STAGE_TABLE = 'tracking_batch'
const STATUSES: ReadonlySet<string> = new Set(TRACKING_STATUSES)
const OPERATION_NAMES: ReadonlySet<string> = new Set(OPERATIONS)

/**
 * Writes one parquet file per batch: the rows go through DuckDB's appender into a temporary table
 * (the fastest way in measured: about twice as fast as binding a JSON document), then `COPY … TO`
 * writes the file under a staging name that the storage moves into place.
 */
export class BatchWriter {
  /** Batches are written one at a time: they share the staging table. */
  private queue: Promise<unknown> = Promise.resolve()
  private prepared: Promise<void> | undefined

  constructor(
    private readonly connection: () => Promise<DuckDBConnection>,
    private readonly storage: LakeStorage,
  ) {}

  /** Writes the batch; the file is in place (visible to readers) when this resolves. */
  write(org: string, batch: TrackingBatch): Promise<string | undefined> {
    const done = this.queue.then(() => this.writeNow(org, batch))
    this.queue = done.catch(() => undefined)
    return done
  }

  private async writeNow(org: string, batch: TrackingBatch): Promise<string | undefined> {
    const path = batchFile({ org, sync: batch.sync, runId: batch.runId }, batch.batchType, batch.batchNumber)
    // A batch with no rows has nothing to track; no file keeps the lake free of empty files.
    if (batch.records.length === 0) return undefined
    const connection = await this.connection()
    this.prepared ??= createStageTable(connection)
    await this.prepared
    try {
      const appender = await connection.createAppender(STAGE_TABLE)
      try {
        appendRecords(appender, batch, path)
      } finally {
        appender.closeSync()
      }
      await this.copyToLake(connection, batch, path)
    } finally {
      await connection.run(`TRUNCATE ${STAGE_TABLE}`)
    }
    return path
  }

  private async copyToLake(connection: DuckDBConnection, batch: TrackingBatch, path: string): Promise<void> {
    const staged = await this.storage.stagingFile(path)
    try {
      await connection.run(copyStatement(batch, staged))
      await this.storage.put(path, staged)
    } catch (error) {
      await this.storage.discard(staged)
      throw new SluiceError(
        'internal',
        `could not write tracking file ${path}: ${(error as Error).message}`,
        {
          component: 'tracking',
          code: 'TRACKING_WRITE_FAILED',
          cause: error,
        },
      )
    }
  }
}

async function createStageTable(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${STAGE_TABLE} (row_index INTEGER, identifier VARCHAR, record_payload VARCHAR,
      operation VARCHAR, status VARCHAR, status_message VARCHAR, record_hash VARCHAR)`,
  )
}

function appendRecords(appender: DuckDBAppender, batch: TrackingBatch, path: string): void {
  // Messages repeat (one reason for many rows): redact each distinct one once.
  const redacted = new Map<string, string>()
  const records = batch.records
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!
    checkRecord(record, index, path)
    appender.appendInteger(index)
    appendText(appender, record.identifier)
    appender.appendVarchar(record.payload)
    appendText(appender, record.operation)
    appender.appendVarchar(record.status)
    if (record.message === null || record.message === undefined) appender.appendNull()
    else {
      let clean = redacted.get(record.message)
      if (clean === undefined) {
        clean = redact(record.message)
        redacted.set(record.message, clean)
      }
      appender.appendVarchar(clean)
    }
    appendText(appender, record.hash)
    appender.endRow()
  }
}

function appendText(appender: DuckDBAppender, value: string | null | undefined): void {
  if (value === null || value === undefined) appender.appendNull()
  else appender.appendVarchar(value)
}

function checkRecord(record: TrackedRecord, index: number, path: string): void {
  const problem = !STATUSES.has(record.status)
    ? `status ${JSON.stringify(record.status)} is not one of ${TRACKING_STATUSES.join(', ')}`
    : record.operation !== null && !OPERATION_NAMES.has(record.operation)
      ? `operation ${JSON.stringify(record.operation)} is not one of ${OPERATIONS.join(', ')}`
      : typeof record.payload !== 'string'
        ? 'payload is not JSON text'
        : undefined
  if (problem) {
    throw new SluiceError('internal', `tracked record ${index} of ${path}: ${problem}.`, {
      component: 'tracking',
      code: 'INVALID_TRACKED_RECORD',
    })
  }
}

function copyStatement(batch: TrackingBatch, staged: string): string {
  const idPrefix = `${batch.runId}/${batch.batchType}.${batch.batchNumber}/`
  const values: Record<(typeof TRACKING_COLUMNS)[number]['name'], string> = {
    sync_tracking_internal_id: `${sqlString(idPrefix)} || row_index`,
    identifier: 'identifier',
    record_payload: 'record_payload',
    operation: 'operation',
    status: 'status',
    status_message: 'status_message',
    batch_started_at: `${sqlString(batch.startedAt.toISOString())}::TIMESTAMPTZ`,
    batch_ended_at: `${sqlString(batch.endedAt.toISOString())}::TIMESTAMPTZ`,
    run_id: sqlString(batch.runId),
    record_hash: 'record_hash',
  }
  const select = TRACKING_COLUMNS.map((c) => `${values[c.name]}::${c.type} AS ${c.name}`).join(', ')
  // The appender keeps insertion order and DuckDB preserves it through COPY: no ORDER BY needed.
  return `COPY (SELECT ${select} FROM ${STAGE_TABLE}) TO ${sqlString(staged)} (FORMAT parquet)`
}
