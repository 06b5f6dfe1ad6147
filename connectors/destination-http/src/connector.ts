/**
 * The HTTP destination: any JSON API, configured rather than coded. Request templates per operation
 * decide the behaviours a sync may use; batch size, concurrency and the rate limit come from the config
 * too, so its capabilities are computed from it (`capabilitiesFor`).
 */
import {
  type Behaviour,
  type Catalog,
  type DeleteBehaviour,
  type DestinationCapabilities,
  defineDestination,
  SluiceError,
} from '@sluice/core/contract'
import type { HttpClient } from '@sluice/core/http'
import { below, COMPONENT, createClient, registerSecretHeaders, requestError } from './api.js'
import { HttpConfig, MAX_BATCH_SIZE, MAX_CONCURRENCY, TEMPLATE_OPERATIONS } from './config.js'
import { placeholders, render } from './template.js'
import { writeBatch } from './write.js'

/** What any config can reach: every behaviour, the largest batch, the most requests in flight. */
export const CAPABILITIES = {
  behaviours: ['upsert', 'update', 'create', 'mirror', 'append', 'delete'],
  deleteBehaviours: ['nothing', 'clear', 'delete'],
  batchSize: MAX_BATCH_SIZE,
  concurrency: MAX_CONCURRENCY,
} as const satisfies DestinationCapabilities

/** The capabilities one config gives: the behaviours its templates make possible and its own limits. */
export function capabilitiesFor(config: HttpConfig): DestinationCapabilities {
  const has = (op: keyof HttpConfig['operations']) => config.operations[op] !== undefined
  const behaviours: Behaviour[] = (['upsert', 'update', 'create', 'append', 'delete'] as const).filter(has)
  if (has('upsert')) behaviours.push('mirror')
  const deleteBehaviours: DeleteBehaviour[] = ['nothing']
  if (has('clear')) deleteBehaviours.push('clear')
  if (has('delete')) deleteBehaviours.push('delete')
  return {
    behaviours,
    deleteBehaviours,
    batchSize: config.batchSize ?? 100,
    concurrency: config.concurrency ?? 4,
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
  }
}

/** Placeholders that cannot be read, found when connecting rather than on the first record. */
function templateProblems(config: HttpConfig): string[] {
  const problems: string[] = []
  for (const op of TEMPLATE_OPERATIONS) {
    const template = config.operations[op]
    if (!template) continue
    for (const [part, value] of Object.entries(template))
      for (const problem of placeholders(value).problems)
        problems.push(`operations.${op}.${part}: ${problem}`)
  }
  return problems
}

export const http = defineDestination({
  name: COMPONENT,
  config: HttpConfig,
  capabilities: CAPABILITIES,
  capabilitiesFor,
  connect(config, ctx) {
    registerSecretHeaders(config)
    const problems = templateProblems(config)
    if (problems.length > 0)
      throw new SluiceError('config', `the request templates are not valid: ${problems.join('; ')}`, {
        component: COMPONENT,
        code: 'INVALID_TEMPLATE',
      })
    let client: HttpClient | undefined
    // Created on first use: connecting costs nothing until something is sent.
    const api = () => (client ??= createClient(config, ctx))

    return {
      async check({ signal }) {
        const probe = config.check ?? { method: 'GET' as const, path: '' }
        const res = await api().request({
          method: probe.method ?? 'GET',
          path: below(probe.path),
          ...(probe.body !== undefined ? { json: render(probe.body, {}) } : {}),
          signal,
        })
        // 401/403 fail as auth errors, any other answer but a 2xx with the API's message.
        if (res.status < 200 || res.status >= 300) throw requestError(res)
      },

      /** An HTTP API lists no objects: the sync's object is whatever its templates make of it. */
      async discover(): Promise<Catalog> {
        return { objects: [] }
      },

      write: (batch, { signal }) => writeBatch(batch, { config, http: api(), signal }),

      async close() {
        await client?.close()
      },
    }
  },
})
