import type { DuckDBConnection } from '@duckdb/node-api'
import type { TrackingStatus } from '@sluice/core'
import type { Operation } from '@sluice/core/contract'
import { sqlStringList } from './sql.js'
import type { LakeEntry } from './storage.js'

/**
 * What one batch file holds, read once: where it comes in send order and how many rows of each status
 * and operation it has. A page of records then knows which few files hold it (and how many rows
 * match in total) without reading the other files of the run again.
 */
export interface BatchSummary {
  /** the file's path in the lake */
  path: string
  /** the file as the lake listed it */
  entry: LakeEntry
  /** where DuckDB reads it: the `filename` its rows carry */
  readable: string
  /** the batch's start, µs since the epoch (exact in a double until 2255); a file is one batch */
  startedUs: number
  groups: ReadonlyArray<{ status: TrackingStatus; operation: Operation | null; count: number }>
}

/** Files kept before the oldest summaries are forgotten: a few MB, whatever the lake's size. */
const MAX_FILES = 50_000

/**
 * Summaries by file. Batch files are written once and never changed (a rewrite is a new file: new
 * size or time), so a summary is valid as long as the file's path, size and time are the same.
 */
export class BatchSummaries {
  readonly #known = new Map<string, BatchSummary>()

  constructor(private readonly maxFiles = MAX_FILES) {}

  /**
   * The summaries of `files` in send order (batch start, then file name, as `SEND_ORDER`). Files not
   * seen before are read together in one query of their light columns.
   */
  async of(
    connection: DuckDBConnection,
    files: readonly LakeEntry[],
    readable: readonly string[],
  ): Promise<BatchSummary[]> {
    const summaries: (BatchSummary | undefined)[] = files.map((file) => this.#known.get(keyOf(file)))
    const missing = files.flatMap((_file, i) => (summaries[i] ? [] : [i]))
    if (missing.length > 0) {
      const read = await summarise(
        connection,
        missing.map((i) => readable[i]!),
      )
      for (const i of missing) {
        const summary: BatchSummary = {
          path: files[i]!.path,
          entry: files[i]!,
          readable: readable[i]!,
          startedUs: read.get(readable[i]!)?.startedUs ?? Number.POSITIVE_INFINITY,
          groups: read.get(readable[i]!)?.groups ?? [],
        }
        summaries[i] = summary
        this.#remember(keyOf(files[i]!), summary)
      }
    }
    return (summaries as BatchSummary[]).sort(
      (a, b) => a.startedUs - b.startedUs || compareText(a.readable, b.readable),
    )
  }

  get size(): number {
    return this.#known.size
  }

  #remember(key: string, summary: BatchSummary): void {
    this.#known.set(key, summary)
    for (const oldest of this.#known.keys()) {
      if (this.#known.size <= this.maxFiles) break
      this.#known.delete(oldest)
    }
  }
}

/** How many rows of a file match a status and operation filter (undefined: any). */
export function matchingRows(
  summary: BatchSummary,
  statuses: ReadonlySet<string> | undefined,
  operations: ReadonlySet<string> | undefined,
): number {
  let n = 0
  for (const group of summary.groups) {
    if (statuses && !statuses.has(group.status)) continue
    if (operations && (group.operation === null || !operations.has(group.operation))) continue
    n += group.count
  }
  return n
}

/** Byte order, as DuckDB sorts text (the paths are ASCII). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function keyOf(file: LakeEntry): string {
  return `${file.path}\u0000${file.size}\u0000${file.modifiedAt.getTime()}`
}

async function summarise(connection: DuckDBConnection, readable: readonly string[]) {
  const result = await connection.runAndReadAll(
    `SELECT filename, status, operation, count(*) AS n, epoch_us(min(batch_started_at)) AS started_us
     FROM read_parquet(${sqlStringList(readable)}, union_by_name = true, filename = true)
     GROUP BY filename, status, operation`,
  )
  const byFile = new Map<string, { startedUs: number; groups: BatchSummary['groups'][number][] }>()
  for (const row of result.getRowObjects()) {
    const file = String(row.filename)
    const entry = byFile.get(file) ?? { startedUs: Number.POSITIVE_INFINITY, groups: [] }
    entry.startedUs = Math.min(entry.startedUs, Number(row.started_us))
    entry.groups.push({
      status: row.status as TrackingStatus,
      operation: row.operation as Operation | null,
      count: Number(row.n),
    })
    byFile.set(file, entry)
  }
  return byFile
}
