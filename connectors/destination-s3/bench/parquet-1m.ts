/**
 * Two figures for the S3 destination, written to a local folder (the same code path as a bucket above
 * the storage layer), on a model of 1M rows:
 *
 * 1. 1M rows written as Parquet through the destination (`write` in batches of 50,000, as the engine
 *    calls it) versus DuckDB's own `COPY … TO` of the same rows to one local file, as a ratio measured in
 *    the same process one after the other.
 * 2. A diff-mode rerun through the whole engine (query, hash, diff, files, manifest) after 1% of the
 *    rows changed.
 *
 * Run: `pnpm --filter @sluice/destination-s3 measure` (or `npx tsx --conditions=@sluice/source bench/parquet-1m.ts [rows]`).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type ModelConfig, type OutboundRecord, runSync, type SyncConfig, silentLogger } from '@sluice/core'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { s3 } from '../src/index.js'

const ROWS = Number(process.argv[2] ?? 1_000_000)
const BATCH = s3.capabilities.batchSize
const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-bench-'))
const ctx = (id: string) => ({
  signal: new AbortController().signal,
  log: silentLogger,
  run: { id, sync: 'bench', startedAt: new Date().toISOString() },
})

const source = connectDuckDB({ path: join(dir, 'warehouse.duckdb') })
await source.execute?.(`CREATE TABLE people AS SELECT
    i AS id,
    'user' || i || '@example.com' AS email,
    'Person ' || i AS name,
    CAST(i % 100000 AS DECIMAL(18,2)) / 100 AS amount,
    CAST(9007199254740993 + i AS BIGINT) AS big,
    i % 3 = 0 AS active
  FROM range(1, ${ROWS + 1}) t(i)`)

// 1. DuckDB's own COPY of the same rows to one local parquet file.
const copyFile = join(dir, 'copy.parquet')
let start = performance.now()
await source.execute?.(`COPY people TO '${copyFile}' (FORMAT parquet, COMPRESSION zstd)`)
const copyMs = performance.now() - start

// 1. The same rows through the destination: read in chunks, written in batches of 50,000.
const columns = { amount: 'DECIMAL(18,2)' }
const destination = s3.connect(
  { url: `file://${join(dir, 'out')}`, format: 'parquet', mode: 'changes', columns },
  { signal: new AbortController().signal, log: silentLogger },
)
let writeMs = 0
let pending: OutboundRecord[] = []
const flush = async () => {
  const t = performance.now()
  await destination.write(
    { object: 'people', operation: 'upsert', identifierField: 'id', records: pending },
    ctx('write-1m'),
  )
  writeMs += performance.now() - t
  pending = []
}
start = performance.now()
for await (const chunk of source.query('SELECT * FROM people', { chunkSize: 2048 })) {
  for (const row of chunk) pending.push({ identifier: String(row.id), fields: row })
  if (pending.length >= BATCH) await flush()
}
if (pending.length > 0) await flush()
await destination.finishRun?.(ctx('write-1m'))
const throughMs = performance.now() - start
await destination.close?.()

// 2. Diff mode through the engine: a first run, 1% of the rows change, the rerun is measured.
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '1GB' })
const diffRun = async () => {
  const connected = s3.connect(
    { url: `file://${join(dir, 'diff')}`, format: 'parquet', mode: 'diff', columns },
    { signal: new AbortController().signal, log: silentLogger },
  )
  try {
    const t = performance.now()
    const { run } = await runSync({
      syncName: 'bench_diff',
      sync: {
        model: 'people',
        destination: 's3',
        object: 'people',
        behaviour: 'mirror',
        deleteBehaviour: 'delete',
        identifier: { column: 'id', field: 'id' },
        mappings: ['email', 'name', 'amount', 'big', 'active'].map((c) => ({ from: c, to: c })),
      } as SyncConfig,
      model: { source: 'warehouse', table: 'people' } as ModelConfig,
      source,
      sourceCapabilities: duckdb.capabilities,
      destination: connected,
      destinationCapabilities: s3.capabilities,
      state,
    })
    return { run, ms: performance.now() - t }
  } finally {
    await connected.close?.()
  }
}
const first = await diffRun()
await source.execute?.(`UPDATE people SET name = name || ' (changed)' WHERE id % 100 = 0`)
const second = await diffRun()
await state.close()
await source.close?.()

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
console.log(`rows: ${ROWS.toLocaleString('en')}`)
console.log(`DuckDB COPY … TO one parquet file: ${s(copyMs)} (${mb(statSync(copyFile).size)})`)
console.log(
  `through the destination, time in write(): ${s(writeMs)}; ratio ${(writeMs / copyMs).toFixed(2)}×`,
)
console.log(
  `through the destination, reading the source included: ${s(throughMs)}; ratio ${(throughMs / copyMs).toFixed(2)}×`,
)
console.log(
  `diff mode, first run (every row added): ${s(first.ms)}, status ${first.run.status}${first.run.error ? ` (${first.run.error.message})` : ''}`,
)
console.log(
  `diff mode, rerun with 1% changed: ${s(second.ms)}, status ${second.run.status}, changed ${second.run.counts.changed}`,
)
rmSync(dir, { recursive: true, force: true })
