import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import type { HttpClientOptions } from './types.js'

/** Where the runs of a process share their destinations' quotas: a Redis, and whose quota it is. */
export interface SharedRateLimits {
  redisUrl: string
  /**
   * Whose quota: every process that uses the same scope for a destination draws from one quota. The
   * runner makes it with `rateLimitScope` from the destination's type and config (its credentials).
   */
  scope: string
}

const current = new AsyncLocalStorage<SharedRateLimits>()

/**
 * Runs `work` so that every HTTP client created inside it with a rate limit (and no `cluster` of its
 * own) shares that limit through Redis with every process using the same scope. Connectors need not
 * know: the toolkit reads the scope when a client sends its first request.
 */
export function withSharedRateLimits<T>(shared: SharedRateLimits, work: () => T): T {
  return current.run(shared, work)
}

/**
 * A scope naming a destination's quota without revealing it: a SHA-256 of its type and config (the
 * credentials included, with keys in a stable order). Workers with the same destination config get
 * the same scope; nothing in it can be turned back into a secret.
 */
export function rateLimitScope(type: string, config: unknown): string {
  return createHash('sha256')
    .update(`${type}\0${stableJson(config)}`)
    .digest('hex')
    .slice(0, 32)
}

/**
 * The cluster a client joins under the current scope: one per connector component, rate limit and
 * base URL, so a connector's separate quotas (Braze's per endpoint family) stay separate.
 */
export function sharedCluster(
  options: Pick<HttpClientOptions, 'component' | 'rateLimit' | 'baseUrl'>,
): { id: string; redisUrl: string } | undefined {
  const shared = current.getStore()
  if (!shared || !options.rateLimit) return undefined
  const base = createHash('sha256').update(options.baseUrl).digest('hex').slice(0, 12)
  const { requests, perMs } = options.rateLimit
  return {
    id: `${shared.scope}:${options.component}:${requests}-per-${perMs}:${base}`,
    redisUrl: shared.redisUrl,
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? 'null')
}
