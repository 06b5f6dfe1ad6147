import Bottleneck from 'bottleneck'
import { SluiceError } from '../errors.js'
import { redact, registerSecret } from '../redact.js'
import type { HttpClientOptions } from './types.js'

/**
 * The bottleneck limiter behind one client: `concurrency` requests in flight. With `cluster`, it keeps
 * its state in Redis and adds the rate limit as a reservoir refilled every window, so every worker using
 * the same id draws from one quota. (Within one process the client's sliding window enforces the rate.)
 */
export async function createLimiter(
  options: Pick<HttpClientOptions, 'concurrency' | 'rateLimit' | 'cluster' | 'component'>,
): Promise<Bottleneck> {
  const local: Bottleneck.ConstructorOptions = { maxConcurrent: options.concurrency ?? null }
  if (!options.cluster) return new Bottleneck(local)

  const shared: Bottleneck.ConstructorOptions = {
    ...local,
    ...(options.rateLimit
      ? {
          reservoir: options.rateLimit.requests,
          reservoirRefreshAmount: options.rateLimit.requests,
          reservoirRefreshInterval: options.rateLimit.perMs,
        }
      : {}),
  }

  const Redis = await loadIoredis(options.component)
  const limiter = new Bottleneck({
    ...shared,
    id: `sluice:${options.cluster.id}`,
    datastore: 'ioredis',
    Redis,
    clientOptions: redisOptions(options.cluster.redisUrl),
    // Keep the shared settings another worker wrote; only the first worker initialises them.
    clearDatastore: false,
    // Workers waiting on an empty reservoir look again on this heartbeat (bottleneck's default is 5 s).
    heartbeatInterval: Math.min(5_000, Math.max(100, Math.floor((options.rateLimit?.perMs ?? 20_000) / 4))),
    // Forget an idle cluster's keys after a day rather than keeping them forever.
    timeout: 24 * 60 * 60 * 1000,
  } as Bottleneck.ConstructorOptions)
  try {
    // bottleneck reports connection failures as 'error' events, while ready() waits on: race them.
    await new Promise<void>((resolve, reject) => {
      limiter.on('error', reject)
      limiter.ready().then(() => resolve(), reject)
    })
  } catch (cause) {
    await limiter.disconnect(false).catch(() => {})
    throw new SluiceError(
      'connection',
      redact(`could not reach Redis for the shared rate limit: ${String(cause)}`),
      {
        component: options.component,
        cause,
        hint: 'Check cluster.redisUrl, or remove the cluster option to limit this process alone.',
      },
    )
  }
  return limiter
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
