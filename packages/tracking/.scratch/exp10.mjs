import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const inst = await DuckDBInstance.create(':memory:')
const conn = await inst.connect()
const N = 200_000, B = 5000
const batches = []
for (let off = 0; off < N; off += B) {
  const cols = [[], [], [], [], [], []]
  for (let i = 0; i < B; i++) { const id = String(off + i)
    cols[0].push(`user${id}@example.com`); cols[1].push(JSON.stringify({ id, email: `user${id}@example.com`, first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', ltv: 123.45, updated_at: '2026-01-01T00:00:00Z' })); cols[2].push('upsert'); cols[3].push(i % 100 ? 'succeeded' : 'rejected'); cols[4].push(i % 100 ? '\x1f' : 'bad'); cols[5].push(Math.random().toString(16).slice(2).padEnd(32, '0')) }
  batches.push(cols.map(c => c.join('\x1e')))
}
const names = ['identifier','record_payload','operation','status','status_message','record_hash']
const dir = mkdtempSync(join(tmpdir(), 'lake-'))
const rows = `SELECT unnest(range(${B})) AS row_index, ${names.map((n, i) => `unnest(string_split($${i+1}, chr(30))) AS ${n}`).join(', ')}`
const select = (b) => `SELECT CASE WHEN row_index IS NULL THEN error('x') ELSE 'run1/upsert.${b}/' || row_index END AS sync_tracking_internal_id, CASE WHEN identifier = chr(31) THEN NULL ELSE identifier END AS identifier, record_payload, operation, status, CASE WHEN status_message = chr(31) THEN NULL ELSE status_message END AS status_message, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS batch_started_at, TIMESTAMPTZ '2026-01-01 00:00:01+00' AS batch_ended_at, 'run1' AS run_id, record_hash FROM (${rows})`
const variants = {
  parquet: (b) => `COPY (${select(b)}) TO '${join(dir, 'f' + b)}' (FORMAT parquet)`,
  noDict: (b) => `COPY (${select(b)}) TO '${join(dir, 'i' + b)}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1)`,
  dict64: (b) => `COPY (${select(b)}) TO '${join(dir, 'j' + b)}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 64)`,
  dict1k: (b) => `COPY (${select(b)}) TO '${join(dir, 'k' + b)}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1000)`,
}
const best = {}
for (let r = 0; r < 3; r++) for (const [name, sql] of Object.entries(variants)) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let b = 0; b < batches.length; b++) await conn.run(sql(b), batches[b])
  const c = process.cpuUsage(c0); const cpu = (c.user + c.system) / 1000
  if (!best[name] || cpu < best[name].cpu) best[name] = { cpu, wall: performance.now() - t0 }
}
for (const [k, v] of Object.entries(best)) console.log(k.padEnd(16), 'cpu', (v.cpu / N * 1000).toFixed(2), 'µs/row  wall', (v.wall / N * 1000).toFixed(2), 'µs/row')

for (const p of ['f3', 'i3', 'j3', 'k3']) {
  const r = await conn.runAndReadAll(`SELECT path_in_schema, encodings, total_compressed_size FROM parquet_metadata('${join(dir, p)}') ORDER BY column_id`)
  console.log(p, r.getRows().map(([c, e, s]) => `${c}:${e}:${s}`).join(' '))
}
