import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { BatchSummaries } from '../src/batch-summaries.js'
import { IdentifierFilters } from '../src/identifier-filters.js'
import type { RecordPosition, RecordsQuery, TrackedRow } from '../src/index.js'
import { batch, duckdb, rejectedRecord, succeededRecord, tempLake } from './fixtures.js'

const sync = 'users-to-braze'

/**
 * run-p: 12 batches of 5 rows (u0 … u59). Every 7th row is rejected, so some batches hold no
 * rejected row; batch 6 holds nothing but succeeded rows twice over (u25 appears again in batch 12).
 */
async function lakeWithManyBatches() {
  const lake = await tempLake()
  for (let b = 0; b < 12; b++) {
    const records = Array.from({ length: 5 }, (_, k) => {
      const i = b * 5 + k
      return i % 7 === 0 ? rejectedRecord(`u${i}`, 'Email is invalid') : succeededRecord(`u${i}`)
    })
    if (b === 11) records[4] = succeededRecord('u25', { again: true })
    await lake.write(batch('run-p', b + 1, records))
  }
  return lake
}

type Lake = Awaited<ReturnType<typeof lakeWithManyBatches>>

/** Every page from the first, following `next`; the pages' rows and how many pages there were. */
async function followPages(lake: Lake, query: Omit<RecordsQuery, 'sync' | 'runId' | 'after'>) {
  const rows: TrackedRow[] = []
  const totals = new Set<number>()
  let after: RecordPosition | undefined
  let pages = 0
  do {
    const page = await lake.records({ sync, runId: 'run-p', ...query, ...(after ? { after } : {}) })
    rows.push(...page.rows)
    totals.add(page.total)
    after = page.next
    pages += 1
    expect(pages).toBeLessThan(100)
  } while (after)
  return { rows, totals: [...totals], pages }
}

const ids = (rows: readonly TrackedRow[]) => rows.map((row) => row.internalId)

describe('pages that start after a position', () => {
  it('visit every record once, in send order, across batch files', async () => {
    const lake = await lakeWithManyBatches()
    const whole = await lake.records({ sync, runId: 'run-p', limit: 1000 })
    expect(whole.total).toBe(60)
    expect(whole.next).toBeUndefined()
    const paged = await followPages(lake, { limit: 7 })
    expect(paged.pages).toBe(9)
    expect(paged.totals).toEqual([60])
    expect(ids(paged.rows)).toEqual(ids(whole.rows))
  })

  it('skip the files with no matching row and agree with offset pages', async () => {
    const lake = await lakeWithManyBatches()
    const rejected = await followPages(lake, { status: 'rejected', limit: 3 })
    expect(rejected.rows.map((row) => row.identifier)).toEqual([
      'u0',
      'u7',
      'u14',
      'u21',
      'u28',
      'u35',
      'u42',
      'u49',
      'u56',
    ])
    expect(rejected.totals).toEqual([9])
    const byOffset: TrackedRow[] = []
    for (let offset = 0; offset < 9; offset += 3) {
      byOffset.push(
        ...(await lake.records({ sync, runId: 'run-p', status: 'rejected', limit: 3, offset })).rows,
      )
    }
    expect(ids(byOffset)).toEqual(ids(rejected.rows))
  })

  it('say there is no next page when the last page is exactly full', async () => {
    const lake = await lakeWithManyBatches()
    const page = await lake.records({ sync, runId: 'run-p', status: 'rejected', limit: 9 })
    expect(page.rows).toHaveLength(9)
    expect(page.next).toBeUndefined()
    const short = await lake.records({ sync, runId: 'run-p', status: 'rejected', limit: 8 })
    // u49, the eighth rejected row: the fifth row of the tenth batch
    expect(short.next).toEqual({ file: 'upsert.10.parquet', row: 4 })
  })

  it("page through one identifier's rows", async () => {
    const lake = await lakeWithManyBatches()
    const first = await lake.records({ sync, runId: 'run-p', identifier: 'u25', limit: 1 })
    expect(first).toMatchObject({ total: 2, rows: [{ internalId: 'run-p/upsert.6/0' }] })
    const second = await lake.records({
      sync,
      runId: 'run-p',
      identifier: 'u25',
      limit: 1,
      after: first.next!,
    })
    expect(second.rows.map((row) => row.payload)).toEqual(['{"email":"u25","again":true}'])
    expect(second.next).toBeUndefined()
    expect(await lake.records({ sync, runId: 'run-p', identifier: 'u25', offset: 2 })).toMatchObject({
      rows: [],
      total: 2,
    })
    const rejectedOnly = await lake.records({ sync, runId: 'run-p', identifier: 'u25', status: 'rejected' })
    expect(rejectedOnly).toMatchObject({ rows: [], total: 0 })
  })

  it('find the rows written after a page was read, in a run still going', async () => {
    const lake = await lakeWithManyBatches()
    const all = await lake.records({ sync, runId: 'run-p', limit: 60 })
    expect(all.next).toBeUndefined()
    const last = await lake.records({ sync, runId: 'run-p', limit: 59 })
    await lake.write(batch('run-p', 13, [succeededRecord('late')]))
    const rest = await lake.records({ sync, runId: 'run-p', limit: 10, after: last.next! })
    expect(rest.rows.map((row) => row.identifier)).toEqual(['u25', 'late'])
    expect(rest.total).toBe(61)
  })

  it('refuse a position from elsewhere, or with an offset, naming the problem', async () => {
    const lake = await lakeWithManyBatches()
    await expect(
      lake.records({ sync, runId: 'run-p', after: { file: 'upsert.99.parquet', row: 0 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_POSITION',
      message: expect.stringMatching(/upsert\.99\.parquet/),
    })
    await expect(
      lake.records({ sync, runId: 'run-p', after: { file: '../x.parquet', row: 0 } }),
    ).rejects.toMatchObject({ code: 'INVALID_POSITION' })
    await expect(
      lake.records({ sync, runId: 'run-p', offset: 3, after: { file: 'upsert.1.parquet', row: 0 } }),
    ).rejects.toThrow(/either an offset or a position/)
  })
})

/** The run's batch files as the lake lists them, with where DuckDB reads each. */
async function runEntries(lake: Lake) {
  const folder = join(lake.path, 'sync_tracking_datasets', 'acme', sync, 'run-p')
  const names = (await readdir(folder)).filter((name) => name.endsWith('.parquet')).sort()
  return Promise.all(
    names.map(async (name) => {
      const info = await stat(join(folder, name))
      return { path: `run-p/${name}`, size: info.size, modifiedAt: info.mtime, local: join(folder, name) }
    }),
  )
}

/** A connection that remembers the SQL it was asked to run. */
function recording(connection: DuckDBConnection) {
  const queries: string[] = []
  const wrapped = {
    runAndReadAll: (sql: string, params?: never) => {
      queries.push(sql)
      return connection.runAndReadAll(sql, params)
    },
  } as unknown as DuckDBConnection
  return { connection: wrapped, queries }
}

describe('batch summaries', () => {
  it('read a file once, and only the files not seen before, in send order', async () => {
    const lake = await lakeWithManyBatches()
    const entries = () => runEntries(lake)
    const { connection, queries } = recording(await duckdb())
    const summaries = new BatchSummaries()
    const files = await entries()
    const first = await summaries.of(
      connection,
      files,
      files.map((file) => file.local),
    )
    expect(first.map((summary) => summary.path)).toEqual(
      Array.from({ length: 12 }, (_, b) => `run-p/upsert.${b + 1}.parquet`),
    )
    expect(first[0]!.groups).toHaveLength(2)
    expect(first[0]!.groups).toEqual(
      expect.arrayContaining([
        { status: 'rejected', operation: 'upsert', count: 1 },
        { status: 'succeeded', operation: 'upsert', count: 4 },
      ]),
    )
    expect(queries).toHaveLength(1)

    await summaries.of(
      connection,
      files,
      files.map((file) => file.local),
    )
    expect(queries).toHaveLength(1)

    await lake.write(batch('run-p', 13, [succeededRecord('late')]))
    const more = await entries()
    const again = await summaries.of(
      connection,
      more,
      more.map((file) => file.local),
    )
    expect(queries).toHaveLength(2)
    expect(queries[1]).toContain('upsert.13.parquet')
    expect(queries[1]).not.toContain('upsert.12.parquet')
    expect(again.at(-1)!.path).toBe('run-p/upsert.13.parquet')
  })

  it('forget the oldest files past their limit', async () => {
    const lake = await lakeWithManyBatches()
    const page = await lake.records({ sync, runId: 'run-p', limit: 1 })
    expect(page.total).toBe(60)
    const summaries = new BatchSummaries(2)
    const connection = await duckdb()
    const folder = `${lake.path}/sync_tracking_datasets/acme/${sync}/run-p`
    const files = [1, 2, 3].map((b) => ({
      path: `run-p/upsert.${b}.parquet`,
      size: 1,
      modifiedAt: new Date(0),
    }))
    await summaries.of(
      connection,
      files,
      files.map((file) => `${folder}/${file.path.slice(6)}`),
    )
    expect(summaries.size).toBe(2)
  })
})

describe('identifier filters', () => {
  it('never miss a file that holds an identifier, and rule out the others', async () => {
    const lake = await lakeWithManyBatches()
    const files = (await runEntries(lake)).map((entry) => ({ entry, readable: entry.local }))
    const { connection, queries } = recording(await duckdb())
    const filters = new IdentifierFilters()
    const holders = async (identifier: string) =>
      (await filters.filesThatMayHold(connection, identifier, files)).flatMap((may, i) =>
        may ? [files[i]!.entry.path] : [],
      )
    // five identifiers a file among 2^16 bits: a false "maybe" is about one in fifty million
    expect(await holders('u3')).toEqual(['run-p/upsert.1.parquet'])
    expect(await holders('u25')).toEqual(['run-p/upsert.12.parquet', 'run-p/upsert.6.parquet'])
    expect(await holders('nobody')).toEqual([])
    // u59 was never written: batch 12 holds u25 again in its place
    for (let i = 0; i < 59; i += 1) expect((await holders(`u${i}`)).length, `u${i}`).toBeGreaterThan(0)
    // the filters were built once, by the first search
    expect(queries.filter((sql) => sql.includes('read_parquet'))).toHaveLength(1)
    expect(filters.size).toBe(12)
  })

  it('let a page of an identifier answer with its count, even when no row is asked for', async () => {
    const lake = await lakeWithManyBatches()
    expect(await lake.records({ sync, runId: 'run-p', identifier: 'u25', limit: 0 })).toMatchObject({
      rows: [],
      total: 2,
    })
    expect(await lake.records({ sync, runId: 'run-p', identifier: 'nobody' })).toMatchObject({
      rows: [],
      total: 0,
    })
  })
})
