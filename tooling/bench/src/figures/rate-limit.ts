import { rm } from 'node:fs/promises'
import type { RateLimit } from '@sluice/core/contract'
import { type BenchContext, type Figure, rowsLabel, scaledRows } from '../harness/figure.js'
import { runIsolated } from '../harness/isolated.js'
import { median } from '../harness/stats.js'
import { expectRun } from '../workloads/checks.js'
import type { EngineRunOutput } from '../workloads/engine-run.js'
import { FakeBrazeProcess } from '../workloads/fake-braze.js'
import { OBJECTS_PER_REQUEST } from '../workloads/raw-http.js'
import { quotaWindows } from '../workloads/utilisation.js'
import { atLeast, below } from './targets.js'

/**
 * Braze's /users/track quota (3,000 requests per 3 s) scaled down to 80 requests per second: well within
 * what the fake answers on this machine, so the quota and not the fake is the limit. The connector is
 * configured with the same quota, as a user with a known quota would. (Windows at or below bottleneck's
 * 250 ms heartbeat lose refreshes: see docs/benchmarks.md.)
 */
export function scaledTrackLimit(scale: number): RateLimit {
  // At 1/10 scale the run sends 80 requests: 20 a second keeps it four windows long, enough to measure.
  return { requests: scale >= 1 ? 80 : 20, perMs: 1000 }
}

/** 800 requests: ten windows of the scaled quota, about 10 s. */
const RECORDS = 800 * OBJECTS_PER_REQUEST

/**
 * Figure 4: a sync run against the fake's scaled-down /users/track quota. Utilisation is the share of
 * the quota the run used in each whole window; the 429 share is of every /users/track request sent,
 * retries included.
 */
export const rateLimitFigure: Figure = {
  id: 'rate',
  title: 'rate-limit utilisation',
  specs(scale) {
    const records = rowsLabel(scaledRows(RECORDS, scale))
    const limit = scaledTrackLimit(scale)
    const quota = `${limit.requests}/s`
    return [
      {
        key: 'rate_limit_utilisation',
        label: `${records} records, /users/track at ${quota}: share of quota used`,
        unit: '',
        target: atLeast(0.9, '', true),
      },
      {
        key: 'rate_limit_429_share',
        label: `${records} records, /users/track at ${quota}: share answered 429`,
        unit: '',
        target: below(0.01, '', true),
      },
    ]
  },
  async run(ctx) {
    const rows = scaledRows(RECORDS, ctx.scale)
    const limit = scaledTrackLimit(ctx.scale)
    const { utilisation, rateLimitedShare } = await measureLimitedSyncs(ctx, rows, limit, limit)
    return { rate_limit_utilisation: utilisation, rate_limit_429_share: rateLimitedShare }
  },
}

/**
 * Runs `ctx.repetitions` syncs of `rows` records against the fake with its /users/track quota set to
 * `quota`, the connector configured for `configured`: the median share of the quota used in each whole
 * window, and the median share of /users/track requests answered 429 (retries included).
 */
export async function measureLimitedSyncs(
  ctx: BenchContext,
  rows: number,
  quota: RateLimit,
  configured: RateLimit,
): Promise<{ utilisation: number; rateLimitedShare: number }> {
  const modelDb = await ctx.fixtures.users(rows)
  const fake = await FakeBrazeProcess.start(quota)
  try {
    const used: number[] = []
    const refused: number[] = []
    for (let i = 0; i < ctx.repetitions; i++) {
      await fake.reset()
      const seconds = await limitedSync(ctx, fake, modelDb, rows, configured)
      const traffic = await fake.traffic()
      const windows = quotaWindows(traffic.arrivals, quota)
      if (windows === null)
        throw new Error(`the run took ${seconds.toFixed(2)} s: too short to measure a rate`)
      used.push(windows.share)
      refused.push(traffic.rateLimited / traffic.requests)
      ctx.log(
        `  limited sync ${rowsLabel(rows)}: ${seconds.toFixed(2)} s, ${traffic.requests} requests, ` +
          `${traffic.rateLimited} answered 429, ${(windows.share * 100).toFixed(1)}% of the quota used ` +
          `(of ${windows.windows} whole windows ${windows.full} full, ${windows.empty} empty)`,
      )
    }
    return { utilisation: median(used), rateLimitedShare: median(refused) }
  } finally {
    await fake.close()
  }
}

async function limitedSync(
  ctx: BenchContext,
  fake: FakeBrazeProcess,
  modelDb: string,
  rows: number,
  limit: RateLimit,
) {
  const stateDir = await ctx.fixtures.folder('rate-state')
  const lakeDir = await ctx.fixtures.folder('rate-lake')
  try {
    const { output } = await runIsolated<EngineRunOutput>('engineRun', {
      modelDb,
      stateDir,
      lakeDir,
      destination: { kind: 'braze', url: fake.url, apiKey: fake.apiKey, trackLimit: limit },
    })
    expectRun(output, `rate-limited sync of ${rowsLabel(rows)}`, { added: rows })
    return output.seconds
  } finally {
    await rm(stateDir, { recursive: true, force: true })
    await rm(lakeDir, { recursive: true, force: true })
  }
}
