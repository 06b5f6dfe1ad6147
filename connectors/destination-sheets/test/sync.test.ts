import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FakeHost } from '@sluice/conformance'
import { type ModelConfig, type RunRecord, runSync, type SyncConfig, silentLogger } from '@sluice/core'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createTrackingLake, type TrackingLake } from '@sluice/tracking'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeSheets } from '../src/fake/index.js'
import { connectSheets, sheets } from '../src/index.js'
import { config, fakeSheets } from './helpers.js'

/**
 * Whole runs through the engine: a DuckDB model of 20,000 customers (text that looks like formulas,
 * BIGINT beyond 2^53, DECIMAL, DATE, BOOLEAN, NULLs), the embedded state store, the tracking lake, and
 * the connector talking HTTP to the fake Sheets API, whose quota is shrunk to 4 writes per 500 ms so
 * the pacing is exercised without waiting minutes. After each mirror run the sheet equals the model.
 */
const ROWS = 20_000
const LONG_NOTE = 42 // a note over 50,000 characters: invalid, never sent
const QUOTA = { writeRequests: 4, readRequests: 4, windowMs: 500 }

let fake: FakeSheets
let host: FakeHost
const dir = mkdtempSync(join(tmpdir(), 'sluice-sheets-'))
const source = connectDuckDB({ path: ':memory:' })
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
let lake: TrackingLake

const COLUMNS = ['name', 'note', 'big', 'amount', 'signup', 'active', 'score']
const mirror: SyncConfig = {
  model: 'customers',
  destination: 'sheets',
  object: 'Customers',
  behaviour: 'mirror',
  deleteBehaviour: 'delete',
  identifier: { column: 'id', field: 'id' },
  mappings: COLUMNS.map((c) => ({ from: c, to: c })),
} as SyncConfig

async function run(): Promise<RunRecord> {
  const destination = connectSheets(
    // Requests of at most 200 kB, so 20,000 rows take many more requests than the quota allows at once.
    config(host.url, { quota: QUOTA, maxRequestBytes: 200_000 }),
    { log: silentLogger },
  )
  try {
    const { run } = await runSync({
      syncName: 'customers_to_sheets',
      sync: mirror,
      model: { source: 'warehouse', table: 'customers' } as ModelConfig,
      source,
      sourceCapabilities: duckdbSource.capabilities,
      destination,
      destinationCapabilities: sheets.capabilities,
      state,
      tracking: lake,
    })
    return run
  } finally {
    await destination.close?.()
  }
}

/** The model as the sheet should hold it: BIGINT beyond 2^53 as exact text, NULL as an empty cell. */
async function modelAsSheet(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>()
  for await (const chunk of source.query(`SELECT id, ${COLUMNS.join(', ')} FROM customers ORDER BY id`)) {
    for (const row of chunk) {
      if (String(row.note ?? '').length > 50_000) continue
      const fields: Record<string, unknown> = { id: row.id }
      for (const key of COLUMNS) {
        const value = row[key]
        if (value !== null && value !== undefined)
          // A cell holds a double: a BIGINT value within 2^53 is a number, a larger one exact text.
          fields[key] =
            typeof value === 'bigint'
              ? Number.isSafeInteger(Number(value))
                ? Number(value)
                : String(value)
              : value
      }
      out.set(String(row.id), fields)
    }
  }
  return out
}

async function expectSheetEqualsModel() {
  const expected = await modelAsSheet()
  const held = fake.records('Customers')
  const mismatches: string[] = []
  for (const [id, fields] of expected) {
    const row = held.get(id)
    if (!row) mismatches.push(`${id}: missing`)
    else if (JSON.stringify(row) !== JSON.stringify(fields))
      mismatches.push(`${id}: ${JSON.stringify(row)} ≠ ${JSON.stringify(fields)}`)
  }
  for (const id of held.keys()) if (!expected.has(id)) mismatches.push(`${id}: not in the model`)
  expect(mismatches.slice(0, 5)).toEqual([])
  expect(held.size).toBe(expected.size)
}

const id = (n: number) => `c-${String(n).padStart(6, '0')}`
const writes = () => fake.requests.filter((r) => r.kind === 'write').length

beforeAll(async () => {
  ;({ fake, host } = await fakeSheets({
    quota: { writePerUser: 4, readPerUser: 4, writePerProject: 20, readPerProject: 20, windowMs: 500 },
  }))
  lake = createTrackingLake({ path: join(dir, 'lake') })
  await source.execute!(`
    CREATE TABLE customers AS
    SELECT 'c-' || lpad(i::VARCHAR, 6, '0') AS id,
           'Customer ' || i AS name,
           CASE WHEN i % 100 = 0 THEN '=HYPERLINK("https://evil.example/' || i || '")'
                WHEN i = ${LONG_NOTE} THEN repeat('n', 60000)
                ELSE 'note ' || i END AS note,
           (9007199254740993 + i)::BIGINT AS big,
           (i * 1.01)::DECIMAL(18, 2) AS amount,
           DATE '2026-01-01' + (i % 365)::INTEGER AS signup,
           i % 2 = 0 AS active,
           CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 1000) / 4 END AS score
    FROM range(${ROWS}) t(i)`)
})

afterAll(async () => {
  await Promise.allSettled([host?.close(), lake?.close(), state.close(), source.close?.()])
  rmSync(dir, { recursive: true, force: true })
})

describe('20,000 customers mirrored into a sheet through the engine', () => {
  it('loads every row, paced under the quota: not one 429', async () => {
    const first = await run()
    expect(first.status).toBe('partially_succeeded')
    expect(first.counts).toMatchObject({
      queried: ROWS,
      added: ROWS,
      succeeded: { upsert: ROWS - 1 },
      invalid: { other: 1 },
    })
    expect(fake.stats.rateLimited).toBe(0)
    expect(fake.requests.every((r) => r.status === 200)).toBe(true)
    // More writes than one window allows: the pace, not luck, kept the run under the quota.
    expect(writes()).toBeGreaterThan(QUOTA.writeRequests * 2)
    expect(fake.largestRequestBytes).toBeLessThanOrEqual(200_000)
    await expectSheetEqualsModel()
    // Warehouse text that looks like a formula is text in the sheet.
    const injected = fake
      .spreadsheet()
      .sheet('Customers')
      .rows.find((r) => r?.[0] === id(100))
    expect(injected?.[2]).toBe('=HYPERLINK("https://evil.example/100")')
    const invalid = await lake.records({ sync: 'customers_to_sheets', runId: first.id, status: 'rejected' })
    expect(invalid.rows).toEqual([])
  })

  it('sends only what changed: updated rows in place, new rows appended, removed rows deleted', async () => {
    await source.execute!(
      `UPDATE customers SET name = 'Renamed ' || id WHERE id BETWEEN '${id(5000)}' AND '${id(5199)}'`,
    )
    await source.execute!(`UPDATE customers SET score = NULL WHERE id = '${id(1)}'`)
    await source.execute!(
      `DELETE FROM customers WHERE id BETWEEN '${id(9000)}' AND '${id(9149)}' OR id = '${id(3)}'`,
    )
    await source.execute!(`
      INSERT INTO customers
      SELECT 'c-' || lpad(i::VARCHAR, 6, '0'), 'New ' || i, 'fresh', i::BIGINT, 1.50, DATE '2026-12-04', true, 1
      FROM range(${ROWS}, ${ROWS + 100}) t(i)`)
    const before = writes()
    fake.requests.length = 0
    const second = await run()
    // The row with the long note is invalid again: it was never acknowledged, so it counts as added.
    expect(second.counts).toMatchObject({ added: 101, changed: 201, removed: 151, invalid: { other: 1 } })
    expect(second.counts.succeeded).toEqual({ upsert: 301, delete: 151 })
    expect(fake.stats.rateLimited).toBe(0)
    expect(before).toBeGreaterThan(0)
    // One batchUpdate for the changed rows, one append, one deletion request, and the reads of the
    // header and key column: nothing like a rewrite.
    expect(writes()).toBeLessThanOrEqual(4)
    await expectSheetEqualsModel()
    expect(fake.records('Customers').get(id(1))).not.toHaveProperty('score')
    expect(fake.records('Customers').has(id(3))).toBe(false)
  })
})
