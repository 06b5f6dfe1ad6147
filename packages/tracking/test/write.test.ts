import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { registerSecret } from '@sluice/core/contract'
import { describe, expect, it } from 'vitest'
import { TRACKING_COLUMNS } from '../src/index.js'
import { batch, duckdb, invalidRecord, rejectedRecord, succeededRecord, tempLake } from './fixtures.js'

describe('writing batches', () => {
  it('writes one parquet file per batch under <org>/<sync>/<run> with the lake schema', async () => {
    const lake = await tempLake()
    await lake.write(batch('run-1', 1, [succeededRecord('a@x.io'), rejectedRecord('b@x.io', 'bad email')]))
    await lake.write(
      batch('run-1', 1, [invalidRecord(null, 'NULL', 'identifier is NULL')], { batchType: 'invalid' }),
    )

    const folder = join(lake.path, 'sync_tracking_datasets', 'acme', 'users-to-braze', 'run-1')
    expect((await readdir(folder)).sort()).toEqual(['invalid.1.parquet', 'upsert.1.parquet'])

    const db = await duckdb()
    for (const file of ['upsert.1.parquet', 'invalid.1.parquet']) {
      const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(folder, file)}')`)
      expect(described.getRowObjects().map((row) => [row.column_name, row.column_type])).toEqual(
        TRACKING_COLUMNS.map((column) => [column.name, column.type]),
      )
    }
  })

  it('reads back exactly what was written', async () => {
    const lake = await tempLake()
    const written = batch('run-1', 7, [
      succeededRecord('a@x.io', { plan: 'pro' }),
      rejectedRecord('b@x.io', 'bad'),
    ])
    await lake.write(written)
    const db = await duckdb()
    const result = await db.runAndReadAll(
      `SELECT sync_tracking_internal_id, identifier, record_payload, operation, status, status_message,
         epoch_ms(batch_started_at) AS started, epoch_ms(batch_ended_at) AS ended, run_id, record_hash
       FROM read_parquet('${lake.path}/sync_tracking_datasets/acme/users-to-braze/run-1/upsert.7.parquet')`,
    )
    expect(result.getRowObjectsJson()).toEqual([
      {
        sync_tracking_internal_id: 'run-1/upsert.7/0',
        identifier: 'a@x.io',
        record_payload: '{"email":"a@x.io","plan":"pro"}',
        operation: 'upsert',
        status: 'succeeded',
        status_message: null,
        started: String(written.startedAt.getTime()),
        ended: String(written.endedAt.getTime()),
        run_id: 'run-1',
        record_hash: 'h-a@x.io',
      },
      {
        sync_tracking_internal_id: 'run-1/upsert.7/1',
        identifier: 'b@x.io',
        record_payload: '{"email":"b@x.io"}',
        operation: 'upsert',
        status: 'rejected',
        status_message: 'bad',
        started: String(written.startedAt.getTime()),
        ended: String(written.endedAt.getTime()),
        run_id: 'run-1',
        record_hash: 'h-b@x.io',
      },
    ])
  })

  it('keeps unicode, quotes and newlines in payloads, identifiers and messages intact', async () => {
    const lake = await tempLake()
    const tricky = `Zoë "the ' quote" O'Brien\nline two\ttab \\ backslash 🚀 日本語`
    const payload = JSON.stringify({ name: tricky, nested: { list: [1, 'två', null] } })
    await lake.write(
      batch('run-1', 1, [
        {
          identifier: `id-${tricky}`,
          payload,
          operation: 'upsert',
          status: 'rejected',
          message: tricky,
          hash: 'h',
        },
      ]),
    )
    const [row] = (await lake.records({ sync: 'users-to-braze', runId: 'run-1' })).rows
    expect(row?.identifier).toBe(`id-${tricky}`)
    expect(row?.payload).toBe(payload)
    expect(JSON.parse(row!.payload).name).toBe(tricky)
    expect(row?.message).toBe(tricky)
  })

  it('keeps integers beyond 2^53 exact in record_payload for any JSON reader, and the hash of what was sent', async () => {
    const lake = await tempLake()
    const sent =
      '{"external_id":9007199254740993,"n":42,"list":[-12345678901234567890,1.5],"s":"12345678901234567"}'
    await lake.write(
      batch('run-1', 1, [
        {
          identifier: '9007199254740993',
          payload: sent,
          operation: 'upsert',
          status: 'succeeded',
          message: null,
          hash: 'h1',
        },
        {
          identifier: '2',
          payload: '{"external_id":2,"n":1}',
          operation: 'upsert',
          status: 'succeeded',
          message: null,
          hash: 'h2',
        },
      ]),
    )
    const rows = (await lake.records({ sync: 'users-to-braze', runId: 'run-1' })).rows
    const big = rows.find((r) => r.identifier === '9007199254740993')
    // JSON.parse reads it back exactly: big integers are strings of their digits.
    expect(JSON.parse(big!.payload)).toEqual({
      external_id: '9007199254740993',
      n: 42,
      list: ['-12345678901234567890', 1.5],
      s: '12345678901234567',
    })
    expect(big?.hash).toBe('h1')
    expect(rows.find((r) => r.identifier === '2')?.payload).toBe('{"external_id":2,"n":1}')
    // DuckDB reads the same text back exactly too.
    const db = await duckdb()
    const reader = await db.runAndReadAll(
      `SELECT json_extract_string(record_payload, '$.external_id') FROM read_parquet('${lake.path}/sync_tracking_datasets/*/*/*/*.parquet') WHERE identifier = '9007199254740993'`,
    )
    expect(reader.getRows()[0]?.[0]).toBe('9007199254740993')
  })

  it('keeps values holding the framing characters, empty strings and NULLs apart', async () => {
    const lake = await tempLake()
    const records = [
      { identifier: 'a\x1eb', payload: 'not json \x1e\x1f\x1d0', message: 'x\x1dy\x1d1', hash: '\x1f\x1f' },
      { identifier: '\x1f', payload: '{}', message: '', hash: '' },
      { identifier: '', payload: '', message: null, hash: null },
      { identifier: null, payload: '\x1d', message: '\x1e', hash: '\x1d2' },
    ].map((r) => ({ ...r, operation: null, status: 'invalid' as const }))
    // One batch each: a separator inside a value, a value that is the NULL mark, plain values.
    for (const [n, record] of records.entries()) {
      await lake.write(batch('run-1', n, [record], { batchType: 'invalid' }))
    }
    await lake.write(batch('run-1', 9, records, { batchType: 'invalid' }))
    const { rows } = await lake.records({ sync: 'users-to-braze', runId: 'run-1' })
    expect(rows.map((row) => [row.identifier, row.payload, row.message, row.hash])).toEqual(
      [...records, ...records].map((r) => [r.identifier, r.payload, r.message, r.hash]),
    )
  })

  it('frames a plain batch without escaping and reads it back', async () => {
    const lake = await tempLake()
    const records = [
      { ...succeededRecord(''), message: '' },
      { ...succeededRecord('b'), hash: null },
      rejectedRecord('c', ''),
    ]
    await lake.write(batch('run-1', 1, records))
    const { rows } = await lake.records({ sync: 'users-to-braze', runId: 'run-1' })
    expect(rows.map((row) => [row.identifier, row.message, row.hash])).toEqual([
      ['', '', 'h-'],
      ['b', null, null],
      ['c', '', 'h-c'],
    ])
  })

  it('never writes a registered secret into a status message', async () => {
    const lake = await tempLake()
    registerSecret('sk-live-4f9a8b7c6d5e')
    await lake.write(
      batch('run-1', 1, [
        rejectedRecord('a@x.io', 'request with key sk-live-4f9a8b7c6d5e was refused'),
        rejectedRecord('b@x.io', 'Authorization: Bearer abc.def.ghi failed'),
      ]),
    )
    const db = await duckdb()
    const result = await db.runAndReadAll(
      `SELECT string_agg(status_message, '|') FROM read_parquet('${lake.path}/sync_tracking_datasets/*/*/*/*.parquet')`,
    )
    const messages = String(result.getRows()[0]![0])
    expect(messages).not.toContain('sk-live-4f9a8b7c6d5e')
    expect(messages).not.toContain('abc.def.ghi')
    expect(messages).toContain('request with key *** was refused')
  })

  it('leaves no staging files behind and writes nothing for an empty batch', async () => {
    const lake = await tempLake()
    await lake.write(batch('run-1', 1, [succeededRecord('a')]))
    await lake.write(batch('run-1', 2, [], { batchType: 'upsert' }))
    const folder = join(lake.path, 'sync_tracking_datasets', 'acme', 'users-to-braze', 'run-1')
    expect(await readdir(folder)).toEqual(['upsert.1.parquet'])
  })

  it('writes concurrent batches one after another without mixing their rows', async () => {
    const lake = await tempLake()
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        lake.write(
          batch(
            'run-1',
            n,
            Array.from({ length: 50 }, (_, i) => succeededRecord(`b${n}-${i}`)),
          ),
        ),
      ),
    )
    const db = await duckdb()
    const result = await db.runAndReadAll(
      `SELECT count(*) AS n, count(DISTINCT sync_tracking_internal_id) AS ids,
         bool_and(starts_with(identifier, 'b' || regexp_extract(filename, 'upsert\\.(\\d+)\\.parquet', 1) || '-')) AS own
       FROM read_parquet('${lake.path}/sync_tracking_datasets/*/*/*/*.parquet', filename = true)`,
    )
    expect(result.getRowObjectsJson()).toEqual([{ n: '400', ids: '400', own: true }])
  })

  it('refuses a record with an unknown status, naming the row and the file', async () => {
    const lake = await tempLake()
    const bad = { ...succeededRecord('a'), status: 'ok' as never }
    await expect(lake.write(batch('run-1', 3, [succeededRecord('z'), bad]))).rejects.toThrow(
      /tracked record 1 of sync_tracking_datasets\/acme\/users-to-braze\/run-1\/upsert\.3\.parquet: status "ok"/,
    )
    // the next batch is written normally
    await lake.write(batch('run-1', 4, [succeededRecord('y')]))
    expect(
      (await lake.records({ sync: 'users-to-braze', runId: 'run-1' })).rows.map((r) => r.identifier),
    ).toEqual(['y'])
  })

  it('writes a batch under the org it names', async () => {
    const lake = await tempLake()
    await lake.write(batch('run-1', 1, [succeededRecord('a')], { org: 'other-org' }))
    expect(await readdir(join(lake.path, 'sync_tracking_datasets'))).toEqual(['other-org'])
  })

  it('refuses names that cannot be a folder', async () => {
    const lake = await tempLake()
    await expect(lake.write(batch('../escape', 1, [succeededRecord('a')]))).rejects.toThrow(
      /run id "\.\.\/escape" cannot name a folder/,
    )
  })
})
