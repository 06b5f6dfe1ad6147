import { createTrackingLake } from '../src/index.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
const N = 200_000, B = 5000
const batches = []
for (let off = 0; off < N; off += B) {
  const records = []
  for (let i = 0; i < B; i++) { const id = String(off + i); const payload = JSON.stringify({ email: `user${id}@example.com`, first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', ltv: 123.45, id })
    records.push({ identifier: id, payload, operation: 'upsert' as const, status: (i % 100 ? 'succeeded' : 'rejected') as 'succeeded', message: i % 100 ? null : 'bad email', hash: (Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2)).slice(0, 32) }) }
  batches.push(records)
}
for (let rep = 0; rep < 3; rep++) {
  const lake = createTrackingLake({ path: mkdtempSync(join(tmpdir(), 'prof-')) })
  const t0 = performance.now(); const elu = performance.eventLoopUtilization()
  for (const [n, records] of batches.entries()) await lake.write({ org: 'o', sync: 's', runId: 'r', batchType: 'upsert', batchNumber: n, startedAt: new Date(), endedAt: new Date(), records })
  const e = performance.eventLoopUtilization(elu)
  console.log('write', Math.round(performance.now() - t0), 'ms; active', Math.round(e.active))
  await lake.close()
}
