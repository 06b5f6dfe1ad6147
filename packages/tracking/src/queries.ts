import type { DuckDBValue } from '@duckdb/node-api'
import { TRACKING_STATUSES, type TrackingStatus } from '@sluice/core'
import { OPERATIONS, type Operation, SluiceError } from '@sluice/core/contract'
import { type BatchSummary, matchingRows } from './batch-summaries.js'
import {
  type LakeContext,
  parquetTable,
  purgedIfGone,
  runFiles,
  syncTable,
  withRunTable,
} from './run-files.js'
import { sqlString, sqlStringList } from './sql.js'

/** The statuses of rows never sent: Census's "Invalid". */
export const INVALID_STATUSES: readonly TrackingStatus[] = ['NULL', 'DUPLICATE', 'invalid']
/** Rows that did not make it: rejected by the destination, or invalid before sending. */
export const FAILED_STATUSES: readonly TrackingStatus[] = ['rejected', ...INVALID_STATUSES]

export interface RunRef {
  sync: string
  runId: string
}

export interface RecordFilter {
  /** one status or several; every status when absent */
  status?: TrackingStatus | readonly TrackingStatus[]
  /** one operation or several; every operation (and rows with none) when absent */
  operation?: Operation | readonly Operation[]
  /** only the rows of this identifier */
  identifier?: string
}

/** One tracked row, as the queries return it. */
export interface TrackedRow {
  internalId: string
  identifier: string | null
  /** the mapped record as JSON text */
  payload: string
  operation: Operation | null
  status: TrackingStatus
  message: string | null
  /** ISO-8601 */
  batchStartedAt: string
  batchEndedAt: string
  runId: string
  hash: string | null
}

export interface RecordsPage {
  rows: TrackedRow[]
  /** rows matching the filter, across all pages */
  total: number
  limit: number
  offset: number
  /** where the next page starts (pass it as `after`); absent on the last page */
  next?: RecordPosition
}

/**
 * A place in a run's records in send order: the batch file (its name in the run's folder) and the
 * row in it. A page that starts `after` a position seeks to its file instead of counting rows.
 */
export interface RecordPosition {
  file: string
  row: number
}

export const DEFAULT_PAGE_SIZE = 100
export const MAX_SAMPLE = 100

export interface RecordsQuery extends RunRef, RecordFilter {
  /** rows per page; 100 by default */
  limit?: number
  /** rows of the filter to skip */
  offset?: number
  /** start after this position (a previous page's `next`) instead of at an offset */
  after?: RecordPosition
}

/**
 * The records of a run, filtered and paged, in the order they were sent. The run's batch summaries
 * say how many rows of each file match, so a page reads only the files it is in, whether it is the
 * first or the last: the total is a sum, and an offset or a position is found file by file.
 */
export async function records(lake: LakeContext, query: RecordsQuery): Promise<RecordsPage> {
  const limit = count('limit', query.limit ?? DEFAULT_PAGE_SIZE)
  const offset = count('offset', query.offset ?? 0)
  if (query.after !== undefined) position(query.after, offset)
  // checks the statuses and operations before anything is read
  where(query)
  const run = { org: lake.org, sync: query.sync, runId: query.runId }
  const files = await runFiles(lake, run)
  if (files === undefined) return { rows: [], total: 0, limit, offset }
  return purgedIfGone(lake, run, async () => {
    const connection = await lake.connection()
    const readable = await lake.storage.readable(files.map((file) => file.path))
    const summaries = await lake.summaries.of(connection, files, readable)
    const statuses = setOf(query.status)
    const operations = setOf(query.operation)
    const matching = summaries.map((summary) => matchingRows(summary, statuses, operations))
    const page =
      query.identifier === undefined
        ? await pageBySummaries(lake, query, summaries, matching, limit, offset)
        : await pageOfIdentifier(lake, query, summaries, matching, limit, offset)
    return { ...page, limit, offset }
  })
}

type Page = Pick<RecordsPage, 'rows' | 'total' | 'next'>

/** A page found from the files' counts: only the files from the page's start until it is full are read. */
async function pageBySummaries(
  lake: LakeContext,
  query: RecordsQuery,
  summaries: readonly BatchSummary[],
  matching: readonly number[],
  limit: number,
  offset: number,
): Promise<Page> {
  const total = matching.reduce((sum, n) => sum + n, 0)
  let first: number
  let skip = 0
  if (query.after !== undefined) {
    first = fileIndex(summaries, query.after)
  } else {
    skip = offset
    first = 0
    while (first < summaries.length && skip >= matching[first]!) skip -= matching[first++]!
  }
  // One row more than the page, to know whether another page follows.
  const wanted = skip + limit + 1
  const chosen: BatchSummary[] = []
  let available = 0
  for (let i = first; i < summaries.length && available < wanted; i++) {
    if (matching[i] === 0) continue
    chosen.push(summaries[i]!)
    // the rows of the position's own file before it are not available
    if (!(query.after !== undefined && i === first)) available += matching[i]!
  }
  if (chosen.length === 0 || limit === 0) return { rows: [], total }
  const filter = where(query)
  const conditions = filter.conditions
  if (query.after !== undefined) {
    filter.params.push(summaries[first]!.readable, query.after.row)
    const n = filter.params.length
    conditions.push(`(filename <> $${n - 1} OR file_row_number > $${n})`)
  }
  const rows = await readPositionedRows(
    lake,
    `SELECT ${ROW_COLUMNS}, filename, file_row_number
     FROM ${parquetTable(chosen.map((summary) => summary.readable))}
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY ${SEND_ORDER} LIMIT ${limit + 1} OFFSET ${skip}`,
    filter.params,
    summaries,
  )
  return pageOf(rows, limit, total)
}

/**
 * A page of one identifier's rows, from the files whose statuses match and whose identifier filter
 * says they may hold it (usually one or two of a run's files). One query reads the page and
 * counts every match (an identifier has a handful of rows, so the count is cheap): the count is taken
 * before the rows up to the position are dropped.
 */
async function pageOfIdentifier(
  lake: LakeContext,
  query: RecordsQuery,
  summaries: readonly BatchSummary[],
  matching: readonly number[],
  limit: number,
  offset: number,
): Promise<Page> {
  const withStatus = summaries.filter((_, i) => matching[i]! > 0)
  const connection = await lake.connection()
  const mayHold = await lake.identifiers.filesThatMayHold(connection, query.identifier!, withStatus)
  const candidates = withStatus.filter((_, i) => mayHold[i])
  if (candidates.length === 0) return { rows: [], total: 0 }
  const filter = where(query)
  let qualify = ''
  if (query.after !== undefined) {
    const first = fileIndex(summaries, query.after)
    const later = summaries.slice(first + 1).map((summary) => summary.readable)
    filter.params.push(summaries[first]!.readable, query.after.row)
    const n = filter.params.length
    qualify = `QUALIFY (filename = $${n - 1} AND file_row_number > $${n})${
      later.length ? ` OR filename IN (SELECT unnest(${sqlStringList(later)}))` : ''
    }`
  }
  const rows =
    limit === 0
      ? []
      : await readPositionedRows(
          lake,
          `SELECT ${ROW_COLUMNS}, filename, file_row_number, count(*) OVER () AS total
     FROM ${parquetTable(candidates.map((summary) => summary.readable))} ${filter.sql} ${qualify}
     ORDER BY ${SEND_ORDER} LIMIT ${limit + 1} OFFSET ${offset}`,
          filter.params,
          summaries,
        )
  if (rows.length > 0) return pageOf(rows, limit, rows[0]!.total!)
  // past the last match, or no rows asked for: the count alone
  const all = where(query)
  const counted = await connection.runAndReadAll(
    `SELECT count(*) FROM ${parquetTable(candidates.map((summary) => summary.readable))} ${all.sql}`,
    all.params,
  )
  return { rows: [], total: Number(counted.getRows()[0]![0]) }
}

function pageOf(rows: readonly PositionedRow[], limit: number, total: number): Page {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    rows: page.map((row) => row.row),
    total,
    ...(rows.length > limit && last ? { next: last.position } : {}),
  }
}

/** The index, in send order, of the file a position is in; a position from another run is refused. */
function fileIndex(summaries: readonly BatchSummary[], after: RecordPosition): number {
  const index = summaries.findIndex((summary) => fileName(summary.path) === after.file)
  if (index === -1) {
    throw new SluiceError('config', `the position's batch file "${after.file}" is not one of this run's.`, {
      component: 'tracking',
      code: 'INVALID_POSITION',
      hint: "Start from the first page, or pass a page's `next` of the same run.",
    })
  }
  return index
}

function position(after: RecordPosition, offset: number): void {
  const valid = typeof after.file === 'string' && /^[^/\\]+\.parquet$/.test(after.file)
  if (!valid || !Number.isSafeInteger(after.row) || after.row < 0 || offset > 0) {
    throw new SluiceError(
      'config',
      offset > 0
        ? 'give a page either an offset or a position to start after, not both.'
        : `the position ${JSON.stringify(after)} is not a batch file name and a row number ≥ 0.`,
      { component: 'tracking', code: 'INVALID_POSITION' },
    )
  }
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

function setOf(value: string | readonly string[] | undefined): ReadonlySet<string> | undefined {
  return value === undefined ? undefined : new Set(typeof value === 'string' ? [value] : value)
}

interface PositionedRow {
  row: TrackedRow
  position: RecordPosition
  /** a query's `total` column, when it has one */
  total?: number
}

async function readPositionedRows(
  lake: LakeContext,
  sql: string,
  params: DuckDBValue[],
  summaries: readonly BatchSummary[],
): Promise<PositionedRow[]> {
  const paths = new Map(summaries.map((summary) => [summary.readable, fileName(summary.path)]))
  const connection = await lake.connection()
  const result = await connection.runAndReadAll(sql, params)
  return result.getRowObjects().map((row) => ({
    row: trackedRow(row),
    position: {
      file: paths.get(String(row.filename)) ?? String(row.filename),
      row: Number(row.file_row_number),
    },
    ...(row.total !== undefined ? { total: Number(row.total) } : {}),
  }))
}

/**
 * A record's rows by identifier: in one run, or in every run of the sync still in the lake, newest
 * first.
 */
export async function search(
  lake: LakeContext,
  query: { sync: string; identifier: string; runId?: string; limit?: number },
): Promise<TrackedRow[]> {
  const limit = count('limit', query.limit ?? DEFAULT_PAGE_SIZE)
  const filter = where({ identifier: query.identifier })
  const select = (table: string) =>
    readRows(
      lake,
      `SELECT ${ROW_COLUMNS} FROM ${table} ${filter.sql}
       ORDER BY batch_started_at DESC, filename, file_row_number LIMIT ${limit}`,
      filter.params,
    )
  if (query.runId !== undefined) {
    return withRunTable(lake, { org: lake.org, sync: query.sync, runId: query.runId }, select, () => [])
  }
  const table = await syncTable(lake, query.sync)
  return table === undefined ? [] : select(table)
}

/**
 * Up to 100 rows that did not make it (rejected and invalid by default), with their reasons: a
 * repeatable random sample, so that a run with many reasons shows more than its first one.
 */
export async function sample(
  lake: LakeContext,
  query: RunRef & { status?: TrackingStatus | readonly TrackingStatus[]; limit?: number },
): Promise<TrackedRow[]> {
  const limit = Math.min(count('limit', query.limit ?? MAX_SAMPLE), MAX_SAMPLE)
  const filter = where({ status: query.status ?? FAILED_STATUSES })
  return withRunTable(
    lake,
    { org: lake.org, ...query },
    (table) =>
      rowsAt(
        lake,
        `SELECT filename, file_row_number FROM (SELECT filename, file_row_number FROM ${table} ${filter.sql})
         USING SAMPLE reservoir(${limit} ROWS) REPEATABLE (1)`,
        filter.params,
      ),
    () => [],
  )
}

export interface RejectionGroup {
  status: TrackingStatus
  /** the reason without what is particular to each row (`status_reason`): what the group shares */
  reason: string | null
  /** one row's whole message, as the destination said it */
  message: string | null
  count: number
  /** a few of the identifiers, smallest first */
  identifiers: string[]
}

/**
 * Rows that did not make it, grouped by status and reason, the most frequent first. Rows whose
 * messages differ only in the value they are about ("no Contact with External_Id__c = 42") are one
 * reason. Files written before `status_reason` existed group by the whole message.
 */
export async function rejectionSummary(
  lake: LakeContext,
  query: RunRef & { status?: TrackingStatus | readonly TrackingStatus[]; examples?: number },
): Promise<RejectionGroup[]> {
  const examples = Math.max(1, count('examples', query.examples ?? 5))
  const filter = where({ status: query.status ?? FAILED_STATUSES })
  return withRunTable(
    lake,
    { org: lake.org, ...query },
    async (table) => {
      const connection = await lake.connection()
      const summary = (reason: string) =>
        connection.runAndReadAll(
          `SELECT status, ${reason} AS reason, min(status_message) AS message, count(*) AS n,
                  min(identifier, ${examples}) AS identifiers
           FROM ${table} ${filter.sql} GROUP BY status, reason ORDER BY n DESC, status, reason`,
          filter.params,
        )
      const result = await summary('status_reason').catch((error: Error) => {
        if (!/status_reason/.test(error.message)) throw error
        return summary('status_message')
      })
      return result.getRowObjects().map((row) => ({
        status: row.status as TrackingStatus,
        reason: row.reason as string | null,
        message: row.message as string | null,
        count: Number(row.n),
        identifiers: listOfText(row.identifiers),
      }))
    },
    () => [],
  )
}

export interface RunTrackingCounts {
  /** rows tracked */
  total: number
  byStatus: Partial<Record<TrackingStatus, number>>
  /** every (operation, status) pair that occurs; operation is null for rows never sent */
  byOperation: { operation: Operation | null; status: TrackingStatus; count: number }[]
  /** batch files written so far */
  batches: number
  /** ISO-8601, undefined when nothing was tracked */
  firstBatchStartedAt?: string
  lastBatchEndedAt?: string
}

/** How many rows of a run ended how: by status and by operation. */
export async function counts(lake: LakeContext, query: RunRef): Promise<RunTrackingCounts> {
  return withRunTable<RunTrackingCounts>(
    lake,
    { org: lake.org, ...query },
    async (table) => {
      const connection = await lake.connection()
      const grouped = await connection.runAndReadAll(
        `SELECT operation, status, count(*) AS n, count(DISTINCT filename) AS files,
           epoch_ms(min(batch_started_at)) AS first_ms, epoch_ms(max(batch_ended_at)) AS last_ms
         FROM ${table} GROUP BY GROUPING SETS ((operation, status), ()) ORDER BY ALL NULLS FIRST`,
      )
      const tally: RunTrackingCounts = { total: 0, byStatus: {}, byOperation: [], batches: 0 }
      for (const row of grouped.getRowObjects()) {
        const n = Number(row.n)
        if (row.status === null) {
          // the grand total row of the grouping sets
          tally.total = n
          tally.batches = Number(row.files)
          if (row.first_ms !== null) tally.firstBatchStartedAt = isoFromMs(row.first_ms)
          if (row.last_ms !== null) tally.lastBatchEndedAt = isoFromMs(row.last_ms)
          continue
        }
        const status = row.status as TrackingStatus
        tally.byStatus[status] = (tally.byStatus[status] ?? 0) + n
        tally.byOperation.push({ operation: row.operation as Operation | null, status, count: n })
      }
      return tally
    },
    () => ({ total: 0, byStatus: {}, byOperation: [], batches: 0 }),
  )
}

// ── shared pieces ───────────────────────────────────────────────────────────────────────────────

const ROW_COLUMNS = `sync_tracking_internal_id, identifier, record_payload, operation, status, status_message,
  epoch_ms(batch_started_at) AS batch_started_ms, epoch_ms(batch_ended_at) AS batch_ended_ms, run_id, record_hash`

/** The order rows were sent in: by batch, then by position in the batch file. */
export const SEND_ORDER = 'batch_started_at, filename, file_row_number'

const STATUS_NAMES: ReadonlySet<string> = new Set(TRACKING_STATUSES)
const OPERATION_NAMES: ReadonlySet<string> = new Set(OPERATIONS)

/** The WHERE clause of a filter. Statuses and operations are checked against the known names. */
export function where(filter: RecordFilter): { sql: string; conditions: string[]; params: DuckDBValue[] } {
  const conditions: string[] = []
  const params: DuckDBValue[] = []
  const statuses = listOf(filter.status)
  if (statuses) conditions.push(`status IN (${known('status', statuses, STATUS_NAMES).join(', ')})`)
  const operations = listOf(filter.operation)
  if (operations)
    conditions.push(`operation IN (${known('operation', operations, OPERATION_NAMES).join(', ')})`)
  if (filter.identifier !== undefined) {
    params.push(filter.identifier)
    conditions.push(`identifier = $${params.length}`)
  }
  return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', conditions, params }
}

function listOf<T extends string>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? [value] : (value as readonly T[])
}

function known(kind: string, values: readonly string[], names: ReadonlySet<string>): string[] {
  if (values.length === 0) return ['NULL']
  for (const value of values) {
    if (!names.has(value)) {
      throw new SluiceError(
        'config',
        `${kind} ${JSON.stringify(value)} is not one of ${[...names].join(', ')}.`,
        {
          component: 'tracking',
          code: 'INVALID_FILTER',
        },
      )
    }
  }
  return values.map(sqlString)
}

function count(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError('config', `${name} must be a whole number ≥ 0, not ${value}.`, {
      component: 'tracking',
      code: 'INVALID_FILTER',
    })
  }
  return value
}

/**
 * The rows a query picks, in send order. The query selects only where rows are (`filename`,
 * `file_row_number`), which DuckDB finds without reading payloads; the page's rows are then read
 * from the few files they are in. A page deep into a million rows costs a scan of light columns,
 * not a sort of every payload.
 */
async function rowsAt(lake: LakeContext, picking: string, params: DuckDBValue[]): Promise<TrackedRow[]> {
  const connection = await lake.connection()
  const picked = (await connection.runAndReadAll(picking, params)).getRows()
  if (picked.length === 0) return []
  const files = [...new Set(picked.map(([file]) => String(file)))]
  const keys = picked.map(([file, row]) => `${String(file)}#${String(row)}`)
  return readRows(
    lake,
    `SELECT ${ROW_COLUMNS} FROM read_parquet(${sqlStringList(files)}, union_by_name = true, filename = true,
       file_row_number = true)
     WHERE filename || '#' || file_row_number IN (SELECT unnest(${sqlStringList(keys)}))
     ORDER BY ${SEND_ORDER}`,
    [],
  )
}

async function readRows(lake: LakeContext, sql: string, params: DuckDBValue[]): Promise<TrackedRow[]> {
  const connection = await lake.connection()
  const result = await connection.runAndReadAll(sql, params)
  return result.getRowObjects().map(trackedRow)
}

function trackedRow(row: Record<string, DuckDBValue>): TrackedRow {
  return {
    internalId: row.sync_tracking_internal_id as string,
    identifier: row.identifier as string | null,
    payload: row.record_payload as string,
    operation: row.operation as Operation | null,
    status: row.status as TrackingStatus,
    message: row.status_message as string | null,
    batchStartedAt: isoFromMs(row.batch_started_ms),
    batchEndedAt: isoFromMs(row.batch_ended_ms),
    runId: row.run_id as string,
    hash: row.record_hash as string | null,
  }
}

function isoFromMs(value: DuckDBValue | undefined): string {
  return new Date(Number(value)).toISOString()
}

function listOfText(value: DuckDBValue | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || !('items' in value)) return []
  return (value.items as DuckDBValue[]).filter((item): item is string => typeof item === 'string')
}
