import { type FakeStats, type Faults, takeExpiredToken, trackRequest } from '@sluice/conformance/fake'
import type { FakeOrg } from './org.js'
import type { Sessions } from './sessions.js'

/** What every handler of the fake shares. */
export interface FakeContext {
  org: FakeOrg
  sessions: Sessions
  faults: Faults
  stats: FakeStats
  usage: { used: number; max: number }
  options: Required<Pick<FakeTuning, 'bulkPollsUntilComplete' | 'maxUploadBytes' | 'seed'>>
}

export interface FakeTuning {
  /** how many job-info reads after `UploadComplete` still answer `InProgress`; default 1 */
  bulkPollsUntilComplete?: number
  /** the largest Bulk upload accepted, raw bytes; default 100 MB as documented */
  maxUploadBytes?: number
  /** seeds the shuffle of Bulk result files; default 1 */
  seed?: number
}

/** A JSON response; `init.headers` are merged. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
  })
}

/** A top-level REST error: `[{ message, errorCode }]`. */
export function apiError(
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return json([{ message, errorCode }], status, headers)
}

/** `Sforce-Limit-Info`, sent on every REST response. */
export function limitInfo(ctx: FakeContext): Record<string, string> {
  return { 'sforce-limit-info': `api-usage=${ctx.usage.used}/${ctx.usage.max}` }
}

/**
 * What every REST call goes through before its handler: a session (401 INVALID_SESSION_ID when it is
 * missing, expired or switched off by `faults.expireTokens`) and the daily API allocation (403
 * REQUEST_LIMIT_EXCEEDED once it is spent). Returns the refusal, or undefined to go on.
 */
export function guard(ctx: FakeContext, request: Request): Response | undefined {
  ctx.stats.requests += 1
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
  if (takeExpiredToken(ctx.faults)) ctx.sessions.expireAll()
  if (!token || !ctx.sessions.valid(token)) {
    return apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid')
  }
  if (ctx.usage.used >= ctx.usage.max) {
    return apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', limitInfo(ctx))
  }
  ctx.usage.used += 1
  return undefined
}

export function noteRecords(ctx: FakeContext, count: number): void {
  trackRequest(ctx.stats, count)
}

/** A small seeded PRNG (mulberry32), so a shuffled result file is the same on every run of a test. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}
