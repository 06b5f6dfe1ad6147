import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'lake-'))
const inst = await DuckDBInstance.create(':memory:')
const conn = await inst.connect()
const N = 1_000_000, B = 5000
function makeBatch(n, off) {
  const recs = []
  for (let i = 0; i < n; i++) {
    const id = String(off + i)
    recs.push({ identifier: id, payload: JSON.stringify({ email: `user${id}@example.com`, first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', ltv: 123.45, id }), operation: 'upsert', status: i % 50 === 0 ? 'rejected' : 'succeeded', message: i % 50 === 0 ? 'invalid email' : null, hash: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6' })
  }
  return recs
}
const batches = []
for (let off = 0; off < N; off += B) batches.push(makeBatch(B, off))
const SEP = '\x1e', NUL = '\x1f'
const t0 = performance.now()
let jsMs = 0, copyMs = 0
for (let b = 0; b < batches.length; b++) {
  const recs = batches[b]
  const ta = performance.now()
  const n = recs.length
  const ids = new Array(n), pay = new Array(n), ops = new Array(n), sts = new Array(n), msgs = new Array(n), hs = new Array(n)
  for (let i = 0; i < n; i++) {
    const r = recs[i]
    ids[i] = r.identifier ?? NUL; pay[i] = r.payload; ops[i] = r.operation ?? NUL; sts[i] = r.status; msgs[i] = r.message ?? NUL; hs[i] = r.hash ?? NUL
  }
  const params = [ids.join(SEP), pay.join(SEP), ops.join(SEP), sts.join(SEP), msgs.join(SEP), hs.join(SEP)]
  const tc = performance.now(); jsMs += tc - ta
  const tmp = join(dir, `upsert.${b}.parquet.tmp`)
  const col = (k) => `nullif(string_split($${k}, chr(30)), chr(31))`
  const u = (k, name) => `unnest(string_split($${k}, chr(30))) AS ${name}`
  await conn.run(`COPY (SELECT 'run1/upsert.${b}/' || (row_number() OVER () - 1) AS sync_tracking_internal_id, nullif(identifier, chr(31)) AS identifier, record_payload, nullif(operation, chr(31)) AS operation, status, nullif(status_message, chr(31)) AS status_message, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS batch_started_at, TIMESTAMPTZ '2026-01-01 00:00:01+00' AS batch_ended_at, 'run1' AS run_id, nullif(record_hash, chr(31)) AS record_hash FROM (SELECT ${u(1,'identifier')}, ${u(2,'record_payload')}, ${u(3,'operation')}, ${u(4,'status')}, ${u(5,'status_message')}, ${u(6,'record_hash')})) TO '${tmp}' (FORMAT parquet)`, params)
  renameSync(tmp, join(dir, `upsert.${b}.parquet`))
  copyMs += performance.now() - tc
}
const total = performance.now() - t0
console.log({ total: Math.round(total), jsMs: Math.round(jsMs), copyMs: Math.round(copyMs) })
const r = await conn.runAndReadAll(`SELECT count(*), count(DISTINCT sync_tracking_internal_id), count(status_message), sum(length(record_payload)), min(sync_tracking_internal_id) FROM read_parquet('${dir}/*.parquet')`)
console.log(r.getRows())
const r2 = await conn.runAndReadAll(`SELECT * FROM read_parquet('${dir}/upsert.3.parquet') LIMIT 2`)
console.log(r2.getRowObjectsJson())
