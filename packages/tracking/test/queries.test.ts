import { describe, expect, it } from 'vitest'
import { createTrackingLake } from '../src/index.js'
import { batch, invalidRecord, rejectedRecord, succeededRecord, tempLake } from './fixtures.js'

const sync = 'users-to-braze'

/** run-1: 6 upserts (2 rejected), 2 deletes (1 rejected), 3 invalid rows. */
async function lakeWithOneRun() {
  const lake = await tempLake()
  await lake.write(
    batch('run-1', 1, [
      succeededRecord('u1'),
      rejectedRecord('u2', 'Email is invalid'),
      succeededRecord('u3'),
      succeededRecord('u4'),
    ]),
  )
  await lake.write(batch('run-1', 2, [rejectedRecord('u5', 'Email is invalid'), succeededRecord('u6')]))
  await lake.write(
    batch('run-1', 1, [
      rejectedRecord('d1', 'Not found', 'delete'),
      { ...succeededRecord('d2'), operation: 'delete' },
    ]),
  )
  await lake.write(
    batch(
      'run-1',
      1,
      [
        invalidRecord(null, 'NULL', 'identifier is NULL'),
        invalidRecord('u1', 'DUPLICATE', 'identifier appears 2 times in the model'),
        invalidRecord('u9', 'invalid', 'email: must be an email address'),
      ],
      { batchType: 'invalid' },
    ),
  )
  return lake
}

describe('records of a run', () => {
  it('returns every record in send order with the total', async () => {
    const lake = await lakeWithOneRun()
    const page = await lake.records({ sync, runId: 'run-1' })
    expect(page.total).toBe(11)
    expect(page.rows.map((row) => row.identifier)).toEqual([
      'u1',
      'u2',
      'u3',
      'u4',
      'u5',
      'u6',
      'd1',
      'd2',
      null,
      'u1',
      'u9',
    ])
    expect(page.rows[1]).toMatchObject({
      internalId: 'run-1/upsert.1/1',
      status: 'rejected',
      operation: 'upsert',
      message: 'Email is invalid',
      payload: '{"email":"u2"}',
      runId: 'run-1',
      hash: 'h-u2',
    })
    expect(page.rows[1]!.batchStartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Date.parse(page.rows[1]!.batchEndedAt)).toBeGreaterThan(Date.parse(page.rows[1]!.batchStartedAt))
  })

  it('filters by status and operation', async () => {
    const lake = await lakeWithOneRun()
    const rejected = await lake.records({ sync, runId: 'run-1', status: 'rejected' })
    expect(rejected.rows.map((row) => row.identifier)).toEqual(['u2', 'u5', 'd1'])
    const rejectedDeletes = await lake.records({
      sync,
      runId: 'run-1',
      status: 'rejected',
      operation: 'delete',
    })
    expect(rejectedDeletes).toMatchObject({ total: 1, rows: [{ identifier: 'd1', message: 'Not found' }] })
    const invalid = await lake.records({ sync, runId: 'run-1', status: ['NULL', 'DUPLICATE', 'invalid'] })
    expect(invalid.rows.map((row) => row.status)).toEqual(['NULL', 'DUPLICATE', 'invalid'])
    const deletes = await lake.records({ sync, runId: 'run-1', operation: ['delete'] })
    expect(deletes.rows.map((row) => row.identifier)).toEqual(['d1', 'd2'])
  })

  it('pages with limit and offset', async () => {
    const lake = await lakeWithOneRun()
    const first = await lake.records({ sync, runId: 'run-1', limit: 4 })
    const second = await lake.records({ sync, runId: 'run-1', limit: 4, offset: 4 })
    const last = await lake.records({ sync, runId: 'run-1', limit: 4, offset: 8 })
    expect([first, second, last].map((page) => page.rows.length)).toEqual([4, 4, 3])
    expect([first, second, last].every((page) => page.total === 11)).toBe(true)
    const ids = [...first.rows, ...second.rows, ...last.rows].map((row) => row.internalId)
    expect(new Set(ids).size).toBe(11)
  })

  it('refuses an unknown status with a clear message', async () => {
    const lake = await lakeWithOneRun()
    await expect(lake.records({ sync, runId: 'run-1', status: 'failed' as never })).rejects.toThrow(
      /status "failed" is not one of succeeded, rejected, NULL, DUPLICATE, invalid/,
    )
  })

  it('answers an empty page for a run with no rows', async () => {
    const lake = await lakeWithOneRun()
    expect(await lake.records({ sync, runId: 'run-9' })).toEqual({
      rows: [],
      total: 0,
      limit: 100,
      offset: 0,
    })
    expect(await lake.runState({ sync, runId: 'run-9' })).toEqual({ state: 'empty' })
  })
})

describe('search by identifier', () => {
  it('finds a record in one run', async () => {
    const lake = await lakeWithOneRun()
    const rows = await lake.search({ sync, runId: 'run-1', identifier: 'u1' })
    expect(rows.map((row) => row.status).sort()).toEqual(['DUPLICATE', 'succeeded'])
  })

  it('finds a record in every run of the sync, newest first', async () => {
    const lake = await lakeWithOneRun()
    await lake.write(batch('run-2', 1, [rejectedRecord('u2', 'Rate limited for this user')]))
    await lake.write(batch('run-3', 1, [succeededRecord('u2')]))
    await lake.write(batch('run-4', 1, [succeededRecord('u2')], { sync: 'other-sync' }))
    const rows = await lake.search({ sync, identifier: 'u2' })
    expect(rows.map((row) => [row.runId, row.status])).toEqual([
      ['run-3', 'succeeded'],
      ['run-2', 'rejected'],
      ['run-1', 'rejected'],
    ])
    expect(await lake.search({ sync, identifier: 'nobody' })).toEqual([])
    expect(await lake.search({ sync: 'never-ran', identifier: 'u2' })).toEqual([])
  })

  it('takes identifiers as data, never as SQL', async () => {
    const lake = await lakeWithOneRun()
    expect(await lake.search({ sync, identifier: "u1' OR '1'='1" })).toEqual([])
  })
})

describe('sample of failed records', () => {
  it('returns rejected and invalid rows with their reasons', async () => {
    const lake = await lakeWithOneRun()
    const rows = await lake.sample({ sync, runId: 'run-1' })
    expect(rows.map((row) => [row.identifier, row.status, row.message])).toEqual([
      ['u2', 'rejected', 'Email is invalid'],
      ['u5', 'rejected', 'Email is invalid'],
      ['d1', 'rejected', 'Not found'],
      [null, 'NULL', 'identifier is NULL'],
      ['u1', 'DUPLICATE', 'identifier appears 2 times in the model'],
      ['u9', 'invalid', 'email: must be an email address'],
    ])
  })

  it('returns at most 100 rows, spread over the whole run', async () => {
    const lake = await tempLake()
    for (let n = 0; n < 5; n++) {
      await lake.write(
        batch(
          'big',
          n,
          Array.from({ length: 100 }, (_, i) => rejectedRecord(`r${n}-${i}`, `reason ${n}`)),
        ),
      )
    }
    const rows = await lake.sample({ sync, runId: 'big', limit: 1000 })
    expect(rows).toHaveLength(100)
    expect(new Set(rows.map((row) => row.internalId)).size).toBe(100)
    expect(new Set(rows.map((row) => row.message)).size).toBeGreaterThan(1)
    expect(rows.every((row) => row.status === 'rejected')).toBe(true)
    expect(await lake.sample({ sync, runId: 'big', limit: 3 })).toHaveLength(3)
  })
})

describe('rejection summary', () => {
  it('groups failed rows by status and message, most frequent first, with a few identifiers', async () => {
    const lake = await lakeWithOneRun()
    const groups = (m: string) => ({ reason: m, message: m })
    expect(await lake.rejectionSummary({ sync, runId: 'run-1' })).toEqual([
      { status: 'rejected', ...groups('Email is invalid'), count: 2, identifiers: ['u2', 'u5'] },
      {
        status: 'DUPLICATE',
        ...groups('identifier appears {value} times in the model'),
        message: 'identifier appears 2 times in the model',
        count: 1,
        identifiers: ['u1'],
      },
      { status: 'NULL', ...groups('identifier is NULL'), count: 1, identifiers: [] },
      { status: 'invalid', ...groups('email: must be an email address'), count: 1, identifiers: ['u9'] },
      { status: 'rejected', ...groups('Not found'), count: 1, identifiers: ['d1'] },
    ])
  })

  it('groups messages that differ only in the value they name into one reason', async () => {
    const lake = await tempLake()
    await lake.write(
      batch(
        'run-1',
        1,
        Array.from({ length: 100 }, (_, i) =>
          rejectedRecord(`c${i}`, `no Contact with External_Id__c = ${1000 + i}`),
        ),
      ),
    )
    const groups = await lake.rejectionSummary({ sync, runId: 'run-1' })
    expect(groups).toHaveLength(1)
    expect(groups[0]).toMatchObject({
      status: 'rejected',
      reason: 'no Contact with External_Id__c = {value}',
      message: 'no Contact with External_Id__c = 1000',
      count: 100,
    })
  })

  it('limits the identifiers shown per group', async () => {
    const lake = await tempLake()
    await lake.write(
      batch(
        'run-1',
        1,
        Array.from({ length: 30 }, (_, i) => rejectedRecord(`id${i}`, 'quota')),
      ),
    )
    const [group] = await lake.rejectionSummary({ sync, runId: 'run-1', status: 'rejected', examples: 3 })
    expect(group).toEqual({
      status: 'rejected',
      reason: 'quota',
      message: 'quota',
      count: 30,
      identifiers: ['id0', 'id1', 'id10'],
    })
  })
})

describe('counts of a run', () => {
  it('counts rows by status and by operation', async () => {
    const lake = await lakeWithOneRun()
    const counts = await lake.counts({ sync, runId: 'run-1' })
    expect(counts).toMatchObject({
      total: 11,
      batches: 4,
      byStatus: { succeeded: 5, rejected: 3, NULL: 1, DUPLICATE: 1, invalid: 1 },
    })
    expect(counts.byOperation).toEqual([
      { operation: null, status: 'DUPLICATE', count: 1 },
      { operation: null, status: 'NULL', count: 1 },
      { operation: null, status: 'invalid', count: 1 },
      { operation: 'delete', status: 'rejected', count: 1 },
      { operation: 'delete', status: 'succeeded', count: 1 },
      { operation: 'upsert', status: 'rejected', count: 2 },
      { operation: 'upsert', status: 'succeeded', count: 4 },
    ])
    expect(Date.parse(counts.lastBatchEndedAt!)).toBeGreaterThan(Date.parse(counts.firstBatchStartedAt!))
    expect(await lake.counts({ sync, runId: 'none' })).toEqual({
      total: 0,
      byStatus: {},
      byOperation: [],
      batches: 0,
    })
  })
})

describe('a run in progress', () => {
  it('shows the batches finished so far, to a reader with its own DuckDB', async () => {
    const lake = await tempLake()
    // The CLI reads from another process while the sync writes: a second lake on the same folder.
    const reader = createTrackingLake({ path: lake.path, org: 'acme' })
    try {
      await lake.write(batch('live', 1, [succeededRecord('a'), rejectedRecord('b', 'quota')]))
      await lake.write(batch('live', 2, [succeededRecord('c')]))
      expect(await reader.counts({ sync, runId: 'live' })).toMatchObject({ total: 3, batches: 2 })
      expect((await reader.records({ sync, runId: 'live' })).rows.map((row) => row.identifier)).toEqual([
        'a',
        'b',
        'c',
      ])

      await lake.write(batch('live', 3, [succeededRecord('d'), rejectedRecord('e', 'quota')]))
      expect(await reader.counts({ sync, runId: 'live' })).toMatchObject({ total: 5, batches: 3 })
      const rejected = await reader.records({ sync, runId: 'live', status: 'rejected' })
      expect(rejected.rows.map((row) => row.identifier)).toEqual(['b', 'e'])
    } finally {
      await reader.close()
    }
  })
})
