import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const opts = process.argv[2] ?? ''
const check = process.argv[3] !== 'nocheck'
const dir = mkdtempSync(join(tmpdir(), 'lake-'))
const inst = await DuckDBInstance.create(':memory:')
const conn = await inst.connect()
const N = 300_000, B = 5000
const batches = []
for (let off = 0; off < N; off += B) {
  const cols = [[], [], [], [], [], []]
  for (let i = 0; i < B; i++) { const id = String(off + i)
    cols[0].push(`user${id}@example.com`); cols[1].push(JSON.stringify({ email: `user${id}@example.com`, first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', ltv: 123.45, id, updated_at: '2026-01-01T00:00:00Z' })); cols[2].push('upsert'); cols[3].push(i % 100 ? 'succeeded' : 'rejected'); cols[4].push(i % 100 ? '\x1f' : 'bad'); cols[5].push('a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6') }
  batches.push(cols.map(c => c.join('\x1e')))
}
const names = ['identifier','record_payload','operation','status','status_message','record_hash']
const t0 = performance.now()
for (let b = 0; b < batches.length; b++) {
  const tmp = join(dir, `upsert.${b}.parquet.tmp`)
  const aligned = names.map((_, i) => `len(string_split($${i+1}, chr(30))) = ${B}`).join(' AND ')
  const rows = `SELECT unnest(range(${B})) AS row_index, ${names.map((n, i) => `unnest(string_split($${i+1}, chr(30))) AS ${n}`).join(', ')}`
  const where = ''
  await conn.run(`COPY (SELECT ${check ? `CASE WHEN row_index IS NULL THEN error('x') ELSE 'run1/upsert.${b}/' || row_index END` : `'run1/upsert.${b}/' || row_index`} AS sync_tracking_internal_id, CASE WHEN identifier = chr(31) THEN NULL ELSE identifier END AS identifier, record_payload, operation, status, CASE WHEN status_message = chr(31) THEN NULL ELSE status_message END AS status_message, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS batch_started_at, TIMESTAMPTZ '2026-01-01 00:00:01+00' AS batch_ended_at, 'run1' AS run_id, record_hash FROM (${rows}) ${where}) TO '${tmp}' (FORMAT parquet${opts})`, batches[b])
  renameSync(tmp, join(dir, `upsert.${b}.parquet`))
}
const total = performance.now() - t0
console.log(JSON.stringify(opts), check, Math.round(total / N * 1e6) / 1000, 'µs/row', Math.round(total), 'ms')
