import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateUsers } from './data/users.js'
import { engineRun } from './workloads/engine-run.js'
import { FakeBrazeProcess } from './workloads/fake-braze.js'

const rows = Number(process.argv[2] ?? 10000)
const dir = await mkdtemp(join(tmpdir(), 'probe-'))
await generateUsers(join(dir, 'm.duckdb'), rows)
const UNLIMITED = { requests: 1_000_000, perMs: 1000 }
const fake = await FakeBrazeProcess.start(UNLIMITED)
// record every write's start and end
const events: Array<[number, number]> = []
import('node:diagnostics_channel').then((dc) => {
  dc.subscribe('undici:request:create', () => events.push([performance.now(), 1]))
  dc.subscribe('undici:request:trailers', () => events.push([performance.now(), -1]))
})
await new Promise((r) => setTimeout(r, 10))
for (let i = 0; i < 2; i++) {
  await fake.reset()
  events.length = 0
  const out = await engineRun({ modelDb: join(dir, 'm.duckdb'), stateDir: join(dir, `s${i}`), lakeDir: join(dir, `l${i}`),
    destination: { kind: 'braze', url: fake.url, apiKey: fake.apiKey, trackLimit: UNLIMITED } })
  let inflight = 0, last = events[0]![0], area = 0, max = 0
  for (const [t, d] of events) { area += inflight * (t - last); last = t; inflight += d; max = Math.max(max, inflight) }
  const span = events.at(-1)![0] - events[0]![0]
  console.log(`run ${out.seconds.toFixed(2)} s parts ${JSON.stringify(out.parts)} phases ${JSON.stringify(out.phases)} writes span ${(span/1000).toFixed(2)} s avg in flight ${(area/span).toFixed(1)} max ${max}`)
}
console.log(JSON.stringify((globalThis as any).__w))
await fake.close()
