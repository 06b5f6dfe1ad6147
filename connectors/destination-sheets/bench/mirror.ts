/**
 * A 100,000-row mirror into the fake Sheets API, at Google's real quotas (60 write requests a minute
 * per user, 2 MB per request), through the engine with DuckDB and the embedded state store:
 *
 *   pnpm --filter @sluice/destination-sheets bench [--rows=100000 | --quick]
 *
 * It prints, for the first load and for reruns after 1% of the rows changed (and after 1% changed,
 * added and removed), the write requests used against the fewest the quota rules allow, and the run's
 * time against the quota's floor.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeHost } from '@sluice/conformance'
import { type ModelConfig, runSync, type SyncConfig, silentLogger } from '@sluice/core'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createFakeSheets, FAKE_SPREADSHEET_ID } from '../src/fake/index.js'
import { connectSheets, sheets, toCell } from '../src/index.js'
import { serviceAccount } from '../test/keys.js'

/** `--rows=N` sets the size; `--quick` (as CI runs `pnpm bench --quick`) a tenth; other flags are not ours. */
const args = process.argv.slice(2)
const rowsArg = args.find((a) => a.startsWith('--rows='))
const ROWS = rowsArg ? Number(rowsArg.slice('--rows='.length)) : args.includes('--quick') ? 10_000 : 100_000
if (!Number.isInteger(ROWS) || ROWS < 100)
  throw new Error(`--rows must be a whole number ≥ 100, not ${rowsArg}`)
const MAX_REQUEST_BYTES = 2_000_000
const WRITES_PER_MINUTE = 60
const COLUMNS = ['name', 'email', 'plan', 'amount', 'signup', 'active', 'score']

const account = serviceAccount()
const fake = createFakeSheets({ serviceAccounts: [{ email: account.email, publicKey: account.publicKey }] })
const host = await startFakeHost(fake)
const dir = mkdtempSync(join(tmpdir(), 'sluice-sheets-bench-'))
const source = connectDuckDB({ path: ':memory:' })
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '512MB' })

const sync = {
  model: 'customers',
  destination: 'sheets',
  object: 'Customers',
  behaviour: 'mirror',
  deleteBehaviour: 'delete',
  identifier: { column: 'id', field: 'id' },
  mappings: COLUMNS.map((c) => ({ from: c, to: c })),
} as SyncConfig

/** The fewest write requests that carry `rows` as value arrays in requests of at most 2 MB. */
async function fewestWrites(where: string, extra: number): Promise<{ requests: number; bytes: number }> {
  let bytes = 0
  for await (const chunk of source.query(`SELECT id, ${COLUMNS.join(', ')} FROM customers ${where}`)) {
    for (const row of chunk) {
      bytes +=
        Buffer.byteLength(JSON.stringify(['id', ...COLUMNS].map((c) => toCell(row[c] ?? null, false)))) + 1
    }
  }
  return { requests: Math.ceil(bytes / MAX_REQUEST_BYTES) + extra, bytes }
}

/** The least time `requests` writes take at 60 a minute: a full minute per 60 after the first 60. */
const floorMs = (requests: number) => Math.max(0, Math.ceil(requests / WRITES_PER_MINUTE) - 1) * 60_000

async function run(label: string, fewest: { requests: number; bytes: number }) {
  fake.requests.length = 0
  const destination = connectSheets(
    {
      spreadsheetId: FAKE_SPREADSHEET_ID,
      auth: { type: 'service_account', credentials: account.keyJson(host.url) },
      apiUrl: host.url,
    },
    { log: silentLogger },
  )
  // Time inside write(): the connector and the fake's answers, apart from the engine's own work.
  let writingMs = 0
  const write = destination.write.bind(destination)
  destination.write = async (batch, ctx) => {
    const at = performance.now()
    try {
      return await write(batch, ctx)
    } finally {
      writingMs += performance.now() - at
    }
  }
  const started = performance.now()
  try {
    const { run } = await runSync({
      syncName: 'bench',
      sync,
      model: { source: 'warehouse', table: 'customers' } as ModelConfig,
      source,
      sourceCapabilities: duckdbSource.capabilities,
      destination,
      destinationCapabilities: sheets.capabilities,
      state,
    })
    const ms = performance.now() - started
    const writes = fake.requests.filter((r) => r.kind === 'write')
    const reads = fake.requests.filter((r) => r.kind === 'read')
    return {
      run: label,
      status: run.status,
      sent: Object.values(run.counts.succeeded).reduce((a, b) => a + (b ?? 0), 0),
      'writes used': writes.length,
      'fewest writes': fewest.requests,
      reads: reads.length,
      '429s': fake.stats.rateLimited,
      'largest request (kB)': Math.round(Math.max(0, ...writes.map((w) => w.bytes)) / 1000),
      'run (s)': +(ms / 1000).toFixed(1),
      'in write() (s)': +(writingMs / 1000).toFixed(1),
      'quota floor (s)': floorMs(fewest.requests) / 1000,
    }
  } finally {
    await destination.close?.()
  }
}

try {
  await source.execute!(`
    CREATE TABLE customers AS
    SELECT 'c-' || lpad(i::VARCHAR, 7, '0') AS id, 'Customer ' || i AS name, 'c' || i || '@example.com' AS email,
           CASE i % 3 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE 'team' END AS plan,
           (i * 1.01)::DECIMAL(18, 2) AS amount, DATE '2026-01-01' + (i % 365)::INTEGER AS signup,
           i % 2 = 0 AS active, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 1000 END AS score
    FROM range(${ROWS}) t(i)`)
  const figures = []
  // The first load: the sheet is added, the header written, then every row.
  figures.push(await run(`${ROWS.toLocaleString('en-US')} rows, first load`, await fewestWrites('', 2)))

  // 1% of the rows changed, spread over the sheet.
  await source.execute!(`UPDATE customers SET plan = 'enterprise' WHERE hash(id) % 100 = 0`)
  figures.push(await run('rerun, 1% changed', await fewestWrites(`WHERE plan = 'enterprise'`, 0)))

  // 1% changed again, plus 0.5% added and 0.5% removed: one write each for updates, appends, deletions.
  await source.execute!(`UPDATE customers SET plan = 'pro' WHERE hash(id) % 100 = 1`)
  await source.execute!(`DELETE FROM customers WHERE hash(id) % 200 = 3`)
  await source.execute!(`
    INSERT INTO customers SELECT 'n-' || lpad(i::VARCHAR, 7, '0'), 'New ' || i, 'n' || i || '@example.com', 'pro',
           1.00, DATE '2026-12-04', true, 1 FROM range(${Math.round(ROWS / 200)}) t(i)`)
  const changed = await fewestWrites(`WHERE hash(id) % 100 = 1 OR id LIKE 'n-%'`, 1)
  figures.push(await run('rerun, 1% changed + 0.5% added + 0.5% removed', changed))

  console.table(figures)
  // A paced run meets no 429, and every row arrives: otherwise the benchmark fails.
  if (figures.some((f) => f['429s'] > 0 || f.status !== 'succeeded')) process.exitCode = 1
  console.log(
    'fewest writes: ceil(bytes of the rows sent as JSON value arrays / 2 MB) (+2 on the first load: add the sheet, write the header; +1 for the deletions); quota floor: a minute per 60 writes beyond the first 60. The fake runs in the same process.',
  )
} finally {
  await Promise.allSettled([host.close(), state.close(), source.close?.()])
  rmSync(dir, { recursive: true, force: true })
}
