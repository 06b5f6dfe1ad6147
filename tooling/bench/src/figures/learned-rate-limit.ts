import type { RateLimit } from '@sluice/core/contract'
import type { Figure } from '../harness/figure.js'
import { rowsLabel } from '../harness/figure.js'
import { OBJECTS_PER_REQUEST } from '../workloads/raw-http.js'
import { measureLimitedSyncs } from './rate-limit.js'
import { atLeast, below } from './targets.js'

/** What the connector is configured for: a documented quota, as a user who knows only that would set it. */
const CONFIGURED: RateLimit = { requests: 100, perMs: 1000 }

/** The workspace's real quota, a tenth of the documented one: only the API's answers reveal it. */
const REAL_QUOTA: RateLimit = { requests: 10, perMs: 1000 }

/** 150 requests (15 windows of the real quota); 60 at 1/10 scale, still six windows to measure. */
function requestsAt(scale: number): number {
  return scale >= 1 ? 150 : 60
}

/**
 * Figure 4b: a sync configured for a documented quota against a workspace whose real quota is a tenth
 * of it. The client must learn the real quota from `X-RateLimit-*` answers and pace to it: utilisation
 * is of the real quota, and the 429 share is of every /users/track request, retries included.
 */
export const learnedRateLimitFigure: Figure = {
  id: 'learned-rate',
  title: 'learned rate limit',
  specs(scale) {
    const records = rowsLabel(requestsAt(scale) * OBJECTS_PER_REQUEST)
    const what = `${records} records, real quota ${REAL_QUOTA.requests}/s, configured ${CONFIGURED.requests}/s`
    return [
      {
        key: 'learned_rate_limit_utilisation',
        label: `${what}: share of real quota used`,
        unit: '',
        target: atLeast(0.9, '', true),
      },
      {
        key: 'learned_rate_limit_429_share',
        label: `${what}: share answered 429`,
        unit: '',
        target: below(0.01, '', true),
      },
    ]
  },
  async run(ctx) {
    const rows = requestsAt(ctx.scale) * OBJECTS_PER_REQUEST
    const { utilisation, rateLimitedShare } = await measureLimitedSyncs(ctx, rows, REAL_QUOTA, CONFIGURED)
    return { learned_rate_limit_utilisation: utilisation, learned_rate_limit_429_share: rateLimitedShare }
  },
}
