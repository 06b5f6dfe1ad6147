// The soak's destination: upserts and deletes go to the fake as JSON batches through Sluice's HTTP
// toolkit, so its real retries (429, 5xx, dropped connections) and the run's retry budget are what the
// soak exercises. An answer is an acknowledgement only when it lists every record sent, in order, each
// with `ok` or a `reason`; any other 2xx is retried (upserts and deletes are idempotent), and fails the
// request when the retries run out.
import { createHttpClient } from '@sluice/core/http'

function acknowledged(body, ids) {
  return (
    body !== null &&
    typeof body === 'object' &&
    Array.isArray(body.results) &&
    body.results.length === ids.length &&
    body.results.every((r, i) => r && r.id === ids[i] && (r.ok === true || typeof r.reason === 'string'))
  )
}

export default {
  kind: 'destination',
  name: 'soak',
  config: {
    type: 'object',
    properties: { url: { type: 'string', description: "the fake's address" } },
    required: ['url'],
  },
  capabilities: { behaviours: ['upsert', 'mirror'], batchSize: 100, concurrency: 4 },
  connect(config) {
    let http
    return {
      async check() {},
      async discover() {
        return { objects: [{ name: 'records', fields: [{ name: 'id', type: 'string', identifier: true }] }] }
      },
      async write(batch, ctx) {
        http ??= createHttpClient({
          baseUrl: config.url,
          component: 'soak',
          retry: {
            maxAttempts: 8,
            baseDelayMs: 20,
            maxDelayMs: 500,
            ...(ctx.retryBudget ? { budget: ctx.retryBudget } : {}),
          },
        })
        const ids = batch.records.map((r) => r.identifier)
        const body =
          batch.operation === 'delete'
            ? { ids }
            : { records: batch.records.map((r) => ({ id: r.identifier, fields: r.fields })) }
        const response = await http.request({
          method: 'POST',
          path: batch.operation === 'delete' ? '/delete' : '/upsert',
          json: body,
          signal: ctx.signal,
          retryIf: (res) => res.status < 300 && !acknowledged(res.body, ids),
        })
        if (response.status >= 300 || !acknowledged(response.body, ids)) {
          const error = new Error(
            `[sluice] [soak] the fake answered ${response.status} without acknowledging the batch`,
          )
          error.code = 'UNACKNOWLEDGED'
          throw error
        }
        return response.body.results.map((r) =>
          r.ok ? { status: 'succeeded' } : { status: 'rejected', reason: r.reason },
        )
      },
    }
  },
}
