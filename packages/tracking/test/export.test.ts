import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  batch,
  duckdb,
  invalidRecord,
  rejectedRecord,
  succeededRecord,
  tempDir,
  tempLake,
} from './fixtures.js'

const sync = 'users-to-braze'
const tricky = 'He said "hi",\nthen left; Zoë 🚀'

async function lakeForExport() {
  const lake = await tempLake()
  const first = batch('run-1', 1, [
    succeededRecord('a', { note: tricky }),
    rejectedRecord('b', `refused: ${tricky}`),
    succeededRecord('c'),
  ])
  await lake.write(first)
  await lake.write(
    batch('run-1', 1, [invalidRecord(null, 'NULL', 'identifier is NULL')], { batchType: 'invalid' }),
  )
  return { lake, first }
}

describe('export', () => {
  it('writes a filtered set as CSV that reads back exactly', async () => {
    const { lake, first } = await lakeForExport()
    const file = join(await tempDir(), 'rejected.csv')
    expect(
      await lake.export({ sync, runId: 'run-1', status: ['rejected', 'NULL'], format: 'csv', to: file }),
    ).toEqual({
      rows: 2,
    })
    const text = await readFile(file, 'utf8')
    expect(text.split('\n')[0]).toBe(
      'identifier,status,status_message,operation,record_payload,batch_started_at,batch_ended_at,run_id,record_hash,sync_tracking_internal_id',
    )
    // CSV quoting is checked by reading it back with a CSV parser.
    const db = await duckdb()
    const back = await db.runAndReadAll(
      `SELECT * FROM read_csv('${file}', header = true, all_varchar = true)`,
    )
    expect(back.getRowObjectsJson()).toEqual([
      {
        identifier: 'b',
        status: 'rejected',
        status_message: `refused: ${tricky}`,
        operation: 'upsert',
        record_payload: '{"email":"b"}',
        batch_started_at: first.startedAt.toISOString(),
        batch_ended_at: first.endedAt.toISOString(),
        run_id: 'run-1',
        record_hash: 'h-b',
        sync_tracking_internal_id: 'run-1/upsert.1/1',
      },
      {
        identifier: null,
        status: 'NULL',
        status_message: 'identifier is NULL',
        operation: null,
        record_payload: '{"email":null}',
        batch_started_at: expect.stringMatching(/Z$/),
        batch_ended_at: expect.stringMatching(/Z$/),
        run_id: 'run-1',
        record_hash: null,
        sync_tracking_internal_id: 'run-1/invalid.1/0',
      },
    ])
    // Nothing but the finished file is left in the folder.
    expect(await readdir(dirname(file))).toEqual(['rejected.csv'])
  })

  it('writes JSON lines with the payload as an object', async () => {
    const { lake, first } = await lakeForExport()
    const file = join(await tempDir(), 'all.jsonl')
    expect(await lake.export({ sync, runId: 'run-1', format: 'jsonl', to: file })).toEqual({ rows: 4 })
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n')
    expect(lines).toHaveLength(4)
    const rows = lines.map((line) => JSON.parse(line))
    expect(rows[0]).toEqual({
      identifier: 'a',
      status: 'succeeded',
      status_message: null,
      operation: 'upsert',
      record_payload: { email: 'a', note: tricky },
      batch_started_at: first.startedAt.toISOString(),
      batch_ended_at: first.endedAt.toISOString(),
      run_id: 'run-1',
      record_hash: 'h-a',
      sync_tracking_internal_id: 'run-1/upsert.1/0',
    })
    expect(rows.map((row) => row.identifier)).toEqual(['a', 'b', 'c', null])
  })

  it('streams to a writable stream without ending it', async () => {
    const { lake } = await lakeForExport()
    const stream = new PassThrough()
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    await lake.export({ sync, runId: 'run-1', status: 'succeeded', format: 'jsonl', to: stream })
    await lake.export({ sync, runId: 'run-1', status: 'rejected', format: 'jsonl', to: stream })
    expect(stream.writableEnded).toBe(false)
    stream.end()
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n')
    expect(lines.map((line) => JSON.parse(line).identifier)).toEqual(['a', 'c', 'b'])
  })

  it('exports a header only for a run with no rows', async () => {
    const lake = await tempLake()
    const file = join(await tempDir(), 'empty.csv')
    expect(await lake.export({ sync, runId: 'nothing', format: 'csv', to: file })).toEqual({ rows: 0 })
    expect((await readFile(file, 'utf8')).trim()).toBe(
      'identifier,status,status_message,operation,record_payload,batch_started_at,batch_ended_at,run_id,record_hash,sync_tracking_internal_id',
    )
  })
})
