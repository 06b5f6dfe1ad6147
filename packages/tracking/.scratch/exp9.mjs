import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, renameSync, statSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const inst = await DuckDBInstance.create(':memory:')
const conn = await inst.connect()
const N = 200_000, B = 5000
const batches = []
for (let off = 0; off < N; off += B) {
  const cols = [[], [], [], [], [], []]
  for (let i = 0; i < B; i++) { const id = String(off + i)
    cols[0].push(`user${id}@example.com`); cols[1].push(JSON.stringify({ email: `user${id}@example.com`, first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', ltv: 123.45, id, updated_at: '2026-01-01T00:00:00Z' })); cols[2].push('upsert'); cols[3].push(i % 100 ? 'succeeded' : 'rejected'); cols[4].push(i % 100 ? '\x1f' : 'bad'); cols[5].push(Math.random().toString(16).slice(2).padEnd(32, '0')) }
  batches.push(cols.map(c => c.join('\x1e')))
}
const names = ['identifier','record_payload','operation','status','status_message','record_hash']
async function once(opts) {
  const dir = mkdtempSync(join(tmpdir(), 'lake-'))
  const t0 = performance.now()
  for (let b = 0; b < batches.length; b++) {
    const tmp = join(dir, `upsert.${b}.parquet.tmp`)
    const rows = `SELECT unnest(range(${B})) AS row_index, ${names.map((n, i) => `unnest(string_split($${i+1}, chr(30))) AS ${n}`).join(', ')}`
    await conn.run(`COPY (SELECT CASE WHEN row_index IS NULL THEN error('x') ELSE 'run1/upsert.${b}/' || row_index END AS sync_tracking_internal_id, CASE WHEN identifier = chr(31) THEN NULL ELSE identifier END AS identifier, record_payload, operation, status, CASE WHEN status_message = chr(31) THEN NULL ELSE status_message END AS status_message, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS batch_started_at, TIMESTAMPTZ '2026-01-01 00:00:01+00' AS batch_ended_at, 'run1' AS run_id, record_hash FROM (${rows})) TO '${tmp}' (FORMAT parquet${opts})`, batches[b])
    renameSync(tmp, join(dir, `upsert.${b}.parquet`))
  }
  const ms = performance.now() - t0
  const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0)
  return { ms, bytes }
}
const variants = ['', ", COMPRESSION 'zstd'", ", COMPRESSION 'zstd', COMPRESSION_LEVEL 1", ", COMPRESSION 'snappy'"]
const best = {}
for (let r = 0; r < 4; r++) for (const v of variants) { const x = await once(v); if (!best[v] || x.ms < best[v].ms) best[v] = x }
for (const v of variants) console.log(JSON.stringify(v).padEnd(60), (best[v].ms / N * 1000).toFixed(2), 'µs/row', (best[v].bytes / 1e6).toFixed(1), 'MB')
