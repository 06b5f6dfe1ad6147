import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { type Destination, runSync } from '@sluice/core'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'

const rows = Number(process.argv[2] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'sb-'))
const db = join(dir, 'model.duckdb')
{
  const i = await DuckDBInstance.create(db)
  const c = await i.connect()
  await c.run(`CREATE TABLE users AS SELECT i AS id, 'user' || i || '@example.com' AS email, 'First' || (i % 9973) AS first_name,
   (['free','starter','pro','enterprise'])[1 + (i % 4)::INTEGER] AS plan, (hash(i) % 100000)::INTEGER AS score,
   TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i % 31536000) AS updated_at FROM range(1, ${rows + 1}) t(i)`)
  c.closeSync()
  i.closeSync()
}
let writes = 0
const dest: Destination = {
  async check() {},
  async discover() {
    return { objects: [] }
  },
  async write(b) {
    writes++
    return b.records.map(() => ({ status: 'succeeded' as const }))
  },
}
let peakHeap = 0
const timer = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
}, 50)
async function once(label: string) {
  const state = createStateStore({ path: join(dir, 'state') })
  const source = connectDuckDB({ path: db, readOnly: true })
  const t0 = performance.now()
  const marks: Record<string, number> = {}
  let last = ''
  const { run } = await runSync({
    syncName: 's',
    model: { source: 'w', table: 'users' },
    sync: {
      model: 'users',
      destination: 'd',
      object: 'o',
      behaviour: 'upsert',
      identifier: { column: 'id', field: 'id' },
      mappings: [
        { from: 'email', to: 'email' },
        { from: 'first_name', to: 'first_name' },
        { from: 'plan', to: 'plan' },
        { from: 'score', to: 'score' },
        { from: 'updated_at', to: 'updated_at' },
      ],
    },
    source,
    sourceCapabilities: duckdb.capabilities,
    destination: dest,
    destinationCapabilities: { behaviours: ['upsert'], batchSize: 1000, concurrency: 4 },
    state,
    onProgress: (p) => {
      if (p.phase !== last) {
        marks[p.phase] = (performance.now() - t0) / 1000
        last = p.phase
      }
    },
  })
  await state.close()
  await source.close?.()
  console.log(
    label,
    run.status,
    JSON.stringify({ added: run.counts.added, changed: run.counts.changed, unchanged: run.counts.unchanged }),
    'total',
    ((performance.now() - t0) / 1000).toFixed(2),
    's',
    JSON.stringify(marks),
    'rss',
    (process.memoryUsage().rss / 1e6).toFixed(0),
    'MB peakHeap',
    (peakHeap / 1e6).toFixed(0),
    'MB writes',
    writes,
  )
}
await once('initial')
await once('rerun-unchanged')
{
  const i = await DuckDBInstance.create(db)
  const c = await i.connect()
  await c.run('UPDATE users SET score = score + 1 WHERE id % 100 = 7')
  c.closeSync()
  i.closeSync()
}
await once('1%-changed')
clearInterval(timer)
