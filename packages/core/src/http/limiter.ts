import Bottleneck from 'bottleneck'
import { Semaphore } from '../concurrency.js'
import { SluiceError } from '../errors.js'
import { redact, registerSecret } from '../redact.js'
import { sharedCluster } from './shared-quota.js'
import type { HttpClientOptions } from './types.js'

/** The client's timeouts when it sets none (as `createHttpClient` applies them). */
const DEFAULT_TIMEOUTS_MS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 }

/** Holds shorter than this are waited out when a client closes; longer ones expire in Redis. */
const WAIT_OUT_HOLDS_MS = 10_000

/** What the client needs of a limiter: run each attempt inside it, and let go of it on close. */
export interface Limiter {
  schedule<T>(fn: () => Promise<T>): Promise<T>
  disconnect(): Promise<void>
}

/**
 * The limiter behind one client: `concurrency` requests in flight in this process (core's semaphore).
 * With a cluster (the `cluster` option, or the scope of `withSharedRateLimits`), the rate limit is also
 * shared through Redis with every process using the same cluster id, by bottleneck's Redis clustering,
 * as a sliding window: each request holds one of `requests` shared slots from before it is sent until
 * `perMs` after its answer, so no span of `perMs` at the API holds more than `requests` requests from
 * all of them together, however late each arrived. (A reservoir refreshed per window would let the end
 * of one window meet the start of the next.) A slot also expires in Redis `perMs` plus the client's
 * timeouts after it was taken, so the slots of a process that died come back on their own.
 *
 * The local limit is not bottleneck's: its in-process datastore yields to the event loop with a
 * zero-delay timer several times per job, about 6 ms per request one after another and a ceiling of a
 * few hundred requests a second on a busy 2-core machine (ADR 0015).
 */
export async function createLimiter(
  options: Pick<
    HttpClientOptions,
    'concurrency' | 'rateLimit' | 'cluster' | 'component' | 'baseUrl' | 'timeouts'
  >,
): Promise<Limiter> {
  const local = localLimit(options.concurrency)
  const cluster = options.cluster ?? sharedCluster(options)
  if (!cluster) return { schedule: local, disconnect: async () => {} }

  const Redis = await loadIoredis(options.component)
  const shared = new Bottleneck({
    // without a rate limit, the concurrency is what the processes share
    maxConcurrent: options.rateLimit?.requests ?? options.concurrency ?? null,
    id: `sluice:${cluster.id}`,
    datastore: 'ioredis',
    Redis,
    clientOptions: redisOptions(cluster.redisUrl),
    // Keep the shared settings another worker wrote; only the first worker initialises them.
    clearDatastore: false,
    // Workers waiting for a slot look again on this heartbeat (bottleneck's default is 5 s), besides
    // hearing when one is freed.
    heartbeatInterval: Math.min(5_000, Math.max(100, Math.floor((options.rateLimit?.perMs ?? 20_000) / 4))),
    // Forget an idle cluster's keys after a day rather than keeping them forever.
    timeout: 24 * 60 * 60 * 1000,
  } as Bottleneck.ConstructorOptions)
  try {
    // bottleneck reports connection failures as 'error' events, while ready() waits on: race them.
    await new Promise<void>((resolve, reject) => {
      shared.on('error', reject)
      shared.ready().then(() => resolve(), reject)
    })
  } catch (cause) {
    await shared.disconnect(false).catch(() => {})
    throw new SluiceError(
      'connection',
      redact(`could not reach Redis for the shared rate limit: ${String(cause)}`),
      {
        component: options.component,
        cause,
        hint: 'Check the Redis URL (settings.rateLimits.redis), or remove it to limit each process alone.',
      },
    )
  }
  shared.on('error', () => {})

  const holdMs = options.rateLimit?.perMs ?? 0
  const timeouts = { ...DEFAULT_TIMEOUTS_MS, ...options.timeouts }
  const expiration = holdMs + timeouts.connectMs + timeouts.headersMs + timeouts.bodyMs
  /** the shared jobs not yet over (their hold included), with the timer of their hold once it began */
  const jobs = new Map<Promise<unknown>, { timer?: NodeJS.Timeout; until?: number }>()

  const schedule = <T>(fn: () => Promise<T>): Promise<T> =>
    local(
      () =>
        new Promise<T>((resolve, reject) => {
          let started = false
          const entry: { timer?: NodeJS.Timeout; until?: number } = {}
          const job = shared
            .schedule({ expiration }, async () => {
              started = true
              try {
                resolve(await fn())
              } catch (error) {
                reject(error)
              }
              if (holdMs > 0) {
                entry.until = Date.now() + holdMs
                await new Promise<void>((done) => {
                  entry.timer = setTimeout(done, holdMs)
                })
              }
            })
            // a slot that expired while its request was still going: the request's own outcome counts
            .catch((error: unknown) => {
              if (!started) reject(error)
            })
            .finally(() => jobs.delete(job))
          jobs.set(job, entry)
        }),
    )
  const disconnect = async () => {
    const now = Date.now()
    const last = Math.max(now, ...[...jobs.values()].map((entry) => entry.until ?? now))
    if (last - now <= WAIT_OUT_HOLDS_MS) {
      // short holds end (and free their slots in Redis) before the process moves on
      await Promise.allSettled([...jobs.keys()])
    } else {
      // long ones are left to expire in Redis
      for (const entry of jobs.values()) clearTimeout(entry.timer)
      jobs.clear()
    }
    await shared.disconnect(true).catch(() => {})
  }
  return { schedule, disconnect }
}

/** At most `concurrency` attempts at once in this process; no limit without one. */
function localLimit(concurrency: number | undefined): <T>(fn: () => Promise<T>) => Promise<T> {
  if (concurrency === undefined || concurrency <= 0) return (fn) => fn()
  const semaphore = new Semaphore(concurrency)
  return (fn) => semaphore.run(fn)
}

/** ioredis is an optional peer dependency: only projects that share a quota across workers install it. */
async function loadIoredis(component: string): Promise<unknown> {
  try {
    const mod = (await import('ioredis')) as { default: unknown }
    return mod.default
  } catch (cause) {
    throw new SluiceError('config', 'the cluster option needs the "ioredis" package', {
      code: 'MISSING_DEPENDENCY',
      component,
      cause,
      hint: 'Install it next to @sluice/core: pnpm add ioredis',
    })
  }
}

function redisOptions(redisUrl: string): Record<string, unknown> {
  const url = new URL(redisUrl)
  registerSecret(decodeURIComponent(url.password))
  const db = url.pathname.replace(/^\//, '')
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: 5_000,
    // ioredis reconnects forever by default: give up after a few tries so the run fails with a reason.
    retryStrategy: (times: number) => (times > 4 ? null : times * 250),
  }
}
