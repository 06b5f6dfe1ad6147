import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { WriteBatch } from '@sluice/core/contract'
import { afterEach, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

let h: Harness
afterEach(async () => h?.cleanup())

it('keeps the JS heap flat while a large model is queried, diffed and sent', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  h = await harness({ caps: { batchSize: 500, concurrency: 4 } })
  const rows = 400_000
  await h.sql(`INSERT INTO people SELECT range, 'user' || range || '@example.com', 'Name ' || range, range % 100
               FROM range(${rows})`)
  gc()
  const baseline = process.memoryUsage().heapUsed
  let peak = baseline
  let samples = 0
  let received = 0
  // A destination that keeps nothing, so the heap measures the run alone.
  const destination = {
    async check() {},
    async discover() {
      return { objects: [] }
    },
    async write(batch: WriteBatch) {
      received += batch.records.length
      return batch.records.map(() => ({ status: 'succeeded' as const }))
    },
  }
  const { run } = await h.run({
    destination,
    tracking: undefined,
    commitSize: 5000,
    onProgress: (p) => {
      // Sample every so often: after a GC, what is still held is what the run keeps.
      if ((p.counts.queried + p.batchesSent) % 50 !== 0) return
      gc()
      samples++
      peak = Math.max(peak, process.memoryUsage().heapUsed)
    },
  })
  expect(run.status).toBe('succeeded')
  expect(run.counts.succeeded.upsert).toBe(rows)
  expect(received).toBe(rows)
  expect(samples).toBeGreaterThan(20)
  // Holding the model's 400k rows (or their payloads) would take well over 100 MB of heap.
  expect(peak - baseline).toBeLessThan(40 * 1024 * 1024)
}, 300_000)
