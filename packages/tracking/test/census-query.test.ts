import { describe, expect, it } from 'vitest'
import { batch, duckdb, invalidRecord, rejectedRecord, succeededRecord, tempLake } from './fixtures.js'

describe('the Census observability lake query', () => {
  it('runs unchanged over the lake and groups rejected identifiers by message', async () => {
    const lake = await tempLake()
    await lake.write(
      batch('run-1', 1, [
        succeededRecord('a'),
        rejectedRecord('b', 'invalid email'),
        rejectedRecord('c', 'quota'),
      ]),
    )
    await lake.write(batch('run-1', 2, [rejectedRecord('d', 'invalid email')], { batchType: 'update' }))
    await lake.write(
      batch('run-1', 1, [invalidRecord(null, 'NULL', 'identifier is NULL')], { batchType: 'invalid' }),
    )
    await lake.write(
      batch('run-2', 1, [rejectedRecord('e', 'invalid email'), succeededRecord('f')], {
        sync: 'accounts-to-sf',
      }),
    )

    const db = await duckdb()
    // The query from the Census document, with only the path changed.
    const result = await db.runAndReadAll(`
SELECT status_message, ARRAY_AGG(identifier) AS rejected_records
FROM read_parquet('${lake.path}/sync_tracking_datasets/*/*/*/*.parquet', union_by_name=True)
WHERE status = 'rejected'
GROUP BY 1
`)
    const groups = Object.fromEntries(
      result
        .getRowObjectsJson()
        .map((row) => [row.status_message, [...(row.rejected_records as string[])].sort()]),
    )
    expect(groups).toEqual({ 'invalid email': ['b', 'd', 'e'], quota: ['c'] })
  })
})
