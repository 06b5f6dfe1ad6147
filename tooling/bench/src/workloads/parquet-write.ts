import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { OutboundRecord } from '@sluice/core'
import { silentLogger } from '@sluice/core/contract'
import { s3 } from '@sluice/destination-s3'
import { connectDuckDB } from '@sluice/source-duckdb'
import { USER_COLUMNS, USERS_TABLE } from '../data/users.js'
import { secondsSince } from '../harness/stats.js'
import { manifestOf } from './engine-run.js'

export interface ParquetWriteInput {
  /** the DuckDB file holding the users model */
  modelDb: string
  /** a scratch folder for the files written */
  dir: string
  /** pairs of (COPY, write through the destination), alternating which goes first */
  repetitions: number
}

export interface ParquetWritePair {
  /** DuckDB's own `COPY … TO` of the rows to one parquet file */
  copySeconds: number
  /** the same rows through the destination: the time inside `write()` and `finishRun()` */
  writeSeconds: number
  /** the rows the destination's manifest lists, and its files */
  rows: number
  files: number
}

const SELECT = `SELECT ${USER_COLUMNS.join(', ')} FROM ${USERS_TABLE}`

/**
 * The rows the users sync sends (the identifier and the mapped fields) written as parquet two ways in
 * one process, on one open model: DuckDB's own `COPY … TO` one local zstd file (the floor), and the S3
 * destination to a local folder in snapshot mode, handed the rows in batches of its batch size as the
 * engine hands them. Only the destination's calls are timed: reading the model into batches is the
 * source's cost and is left out, as the COPY reads without it. Order alternates pair by pair.
 */
export async function parquetWrite(input: ParquetWriteInput): Promise<ParquetWritePair[]> {
  const source = connectDuckDB({ path: input.modelDb, readOnly: true })
  const pairs: ParquetWritePair[] = []
  try {
    for (let i = 0; i < input.repetitions; i++) {
      const folder = path.join(input.dir, `pair-${i}`)
      await mkdir(folder, { recursive: true })
      const copy = () => copyTo(source, path.join(folder, 'copy.parquet'))
      const write = () => writeThrough(source, path.join(folder, 'out'))
      const first = i % 2 === 0 ? await copy() : await write()
      const second = i % 2 === 0 ? await write() : await copy()
      const [copied, written] = (i % 2 === 0 ? [first, second] : [second, first]) as [
        number,
        Omit<ParquetWritePair, 'copySeconds'>,
      ]
      pairs.push({ copySeconds: copied, ...written })
      await rm(folder, { recursive: true, force: true })
    }
    return pairs
  } finally {
    await source.close?.()
  }
}

type Source = ReturnType<typeof connectDuckDB>

async function copyTo(source: Source, file: string): Promise<number> {
  const started = performance.now()
  await source.execute?.(
    `COPY (${SELECT}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
  )
  return secondsSince(started)
}

async function writeThrough(source: Source, folder: string): Promise<Omit<ParquetWritePair, 'copySeconds'>> {
  const url = pathToFileURL(folder).href
  const ctx = {
    signal: new AbortController().signal,
    log: silentLogger,
    run: { id: `bench-${Date.now()}`, sync: 'bench_users', startedAt: new Date().toISOString() },
  }
  const destination = s3.connect({ url, format: 'parquet', mode: 'snapshot' }, ctx)
  const batchSize = s3.capabilities.batchSize
  let seconds = 0
  let batch: OutboundRecord[] = []
  const send = async () => {
    const started = performance.now()
    await destination.write(
      { object: 'users', operation: 'upsert', identifierField: 'id', records: batch },
      ctx,
    )
    seconds += secondsSince(started)
    batch = []
  }
  try {
    for await (const chunk of source.query(SELECT, { chunkSize: 2048 })) {
      for (const row of chunk) batch.push({ identifier: String(row.id), fields: row, change: 'added' })
      if (batch.length >= batchSize) await send()
    }
    if (batch.length > 0) await send()
    const started = performance.now()
    await destination.finishRun?.(ctx)
    seconds += secondsSince(started)
  } finally {
    await destination.close?.()
  }
  return { writeSeconds: seconds, ...(await manifestOf(url, ctx.run.id)) }
}
