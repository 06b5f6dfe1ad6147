/**
 * Throughput of 1, 2 and 3 worker processes writing with one destination credential against a
 * rate-limited fake, and how much of the shared quota they use. Each worker is a real process with its
 * own HTTP client, created inside the same `withSharedRateLimits` scope, as `sluice worker` does; the
 * quota is shared through Redis (REDIS_URL, default redis://127.0.0.1:6379).
 *
 *   npx tsx --conditions=@sluice/source tooling/bench/src/workloads/shared-quota.ts [--requests=60] [--quota=20/1000]
 *
 * Utilisation is the requests that arrived, from the first to the last, over the most the quota
 * allows in that span (a full window's burst at the start, then `requests` per `perMs`); the busiest
 * window is the most requests any span of the quota's window saw (never above the quota).
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { rateLimitScope, withSharedRateLimits } from '@sluice/core'
import { createHttpClient } from '@sluice/core/http'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface SharedQuotaResult {
  workers: number
  requests: number
  seconds: number
  perSecond: number
  utilisation: number
  busiestWindow: number
}

function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

/** One worker process: `count` requests through a client in the shared scope, two in flight. */
async function child(url: string, scope: string, count: number, requests: number, perMs: number) {
  await withSharedRateLimits({ redisUrl: REDIS_URL, scope }, async () => {
    const http = createHttpClient({
      baseUrl: url,
      component: 'bench',
      rateLimit: { requests, perMs },
      concurrency: 2,
    })
    let next = 0
    const lane = async () => {
      while (next < count) {
        next += 1
        await http.request({ method: 'POST', path: '/write', json: { n: next } })
      }
    }
    await Promise.all([lane(), lane()])
    await http.close()
  })
}

export async function measureSharedQuota(options: {
  workers: number
  requestsPerWorker: number
  quota: { requests: number; perMs: number }
}): Promise<SharedQuotaResult> {
  const arrivals: number[] = []
  const server = createServer((req, res) => {
    arrivals.push(Date.now())
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // a fresh credential per measurement, so one measurement's slots never count against the next
  const scope = rateLimitScope('bench', { apiKey: randomUUID() })
  const file = fileURLToPath(import.meta.url)
  const { requests, perMs } = options.quota
  await Promise.all(
    Array.from(
      { length: options.workers },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = spawn(
            process.execPath,
            [
              ...process.execArgv,
              file,
              'child',
              url,
              scope,
              String(options.requestsPerWorker),
              String(requests),
              String(perMs),
            ],
            { stdio: ['ignore', 'inherit', 'inherit'] },
          )
          worker.on('error', reject)
          worker.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`)),
          )
        }),
    ),
  )
  await new Promise<void>((done) => server.close(() => done()))
  const first = Math.min(...arrivals)
  const last = Math.max(...arrivals)
  const seconds = (last - first) / 1000
  // n requests over the span from the first to the last: n - 1 intervals
  const perSecond = (arrivals.length - 1) / seconds
  return {
    workers: options.workers,
    requests: arrivals.length,
    seconds,
    perSecond,
    // the most the quota allows in that span: a full window's burst at the start, then its rate
    utilisation: arrivals.length / (requests * (1 + (last - first) / perMs)),
    busiestWindow: busiest(arrivals, perMs),
  }
}

async function main() {
  const args = process.argv.slice(2)
  if (args[0] === 'child') {
    const [, url, scope, count, requests, perMs] = args
    await child(url!, scope!, Number(count), Number(requests), Number(perMs))
    return
  }
  const flag = (name: string, fallback: string) =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
  const requestsPerWorker = Number(flag('requests', '60'))
  const [requests, perMs] = flag('quota', '20/1000').split('/').map(Number) as [number, number]
  console.log(`shared quota: ${requests} requests per ${perMs} ms; ${requestsPerWorker} requests per worker`)
  console.log('workers  requests  seconds  req/s  utilisation  busiest window')
  for (const workers of [1, 2, 3]) {
    const r = await measureSharedQuota({ workers, requestsPerWorker, quota: { requests, perMs } })
    console.log(
      `${String(r.workers).padStart(7)}  ${String(r.requests).padStart(8)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.perSecond.toFixed(1).padStart(5)}  ${`${(r.utilisation * 100).toFixed(1)} %`.padStart(11)}  ${r.busiestWindow} / ${requests}`,
    )
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
