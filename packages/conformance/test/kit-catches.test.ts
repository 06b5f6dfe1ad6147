import {
  type DestinationConnector,
  defineDestination,
  isSluiceError,
  rejected,
  SluiceError,
  succeeded,
} from '@sluice/core/contract'
import { afterEach, describe, expect, it } from 'vitest'
import { CHECKS, type DestinationConformanceOptions } from '../src/index.js'
import { Harness } from '../src/kit/harness.js'
import { resolveOptions } from '../src/kit/options.js'
import records, { type RecordsConfig } from './fixtures/records-connector.js'
import { createRecordsFake, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from './fixtures/records-fake.js'

/** The kit must fail connectors that break the contract: each case breaks one promise. */
const base: DestinationConformanceOptions<typeof RecordsConfig> = {
  connector: records,
  fake: createRecordsFake,
  config: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET }),
  badCredentials: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: 'wrong-secret-0000' }),
  object: 'contacts',
  identifierField: 'id',
  record: (i) => ({ id: `c-${i}`, email: `p${i}@example.com`, name: `P ${i}` }),
  textField: 'name',
  refreshesTokens: true,
}

/** The records connector with its write or check replaced. */
function broken(change: {
  write?: (original: ReturnType<typeof records.connect>) => ReturnType<typeof records.connect>['write']
  check?: (config: { clientSecret: string }) => Promise<void>
}): DestinationConnector<typeof RecordsConfig> {
  return defineDestination({
    ...records,
    connect(config, ctx) {
      const inner = records.connect(config, ctx)
      return {
        ...inner,
        ...(change.write ? { write: change.write(inner) } : {}),
        ...(change.check ? { check: () => change.check!(config) } : {}),
      }
    },
  })
}

let harness: Harness | undefined
afterEach(async () => {
  await harness?.stop()
  harness = undefined
})

async function runCheck(
  title: string,
  connector: DestinationConnector<typeof RecordsConfig>,
  options: Partial<DestinationConformanceOptions<typeof RecordsConfig>> = {},
) {
  const check = CHECKS.find((c) => c.title === title)
  if (!check) throw new Error(`no check titled ${title}`)
  harness = new Harness(resolveOptions({ ...base, ...options, connector }) as never)
  await harness.start()
  await harness.reset()
  try {
    await check.run(harness)
  } finally {
    await harness.closeDestinations()
  }
}

describe('the kit fails a connector that', () => {
  it('passes the working connector on the same checks', async () => {
    await runCheck('update: creates nothing', records)
    await runCheck("per-record rejections come back with the API's reason while the rest succeed", records)
    await runCheck("a write in flight stops when the run's signal aborts", records)
    await runCheck('a 2xx that is not an acknowledgement marks no record succeeded', records)
  })

  it('creates records on update', async () => {
    const upserting = broken({
      write: (inner) => (batch, ctx) =>
        inner.write({ ...batch, operation: batch.operation === 'update' ? 'upsert' : batch.operation }, ctx),
    })
    await expect(runCheck('update: creates nothing', upserting)).rejects.toThrow(/expected 5 to be \+0/)
  })

  it('reports refused records as succeeded', async () => {
    const optimistic = broken({
      write: (inner) => async (batch, ctx) => (await inner.write(batch, ctx)).map(() => succeeded),
    })
    await expect(
      runCheck("per-record rejections come back with the API's reason while the rest succeed", optimistic),
    ).rejects.toThrow()
  })

  it('loses the reason of a refused record', async () => {
    const vague = broken({
      write: (inner) => async (batch, ctx) =>
        (await inner.write(batch, ctx)).map((r) => (r.status === 'rejected' ? rejected('failed') : r)),
    })
    await expect(
      runCheck("per-record rejections come back with the API's reason while the rest succeed", vague),
    ).rejects.toThrow(/marked invalid/)
  })

  it('puts a credential in an error message', async () => {
    const leaky = broken({
      check: async (config) => {
        throw new SluiceError('auth', `login failed for secret ${config.clientSecret}`, {
          component: 'records',
        })
      },
    })
    await expect(runCheck('check fails with bad credentials without leaking them', leaky)).rejects.toThrow(
      /a secret .* appears in the error/,
    )
  })

  it('takes any 2xx as an acknowledgement', async () => {
    // It reads the per-record results when they are there, and otherwise trusts the status code.
    const trusting = broken({
      write: (inner) => async (batch, ctx) => {
        try {
          return await inner.write(batch, ctx)
        } catch (error) {
          if (isSluiceError(error) && error.code === 'UNACKNOWLEDGED')
            return batch.records.map(() => succeeded)
          throw error
        }
      },
    })
    await expect(
      runCheck('a 2xx that is not an acknowledgement marks no record succeeded', trusting),
    ).rejects.toThrow(/html200: record 0 was marked succeeded by a malformed answer/)
  })

  it('sends faster than the rate limit it declares', async () => {
    const hasty = defineDestination({
      ...records,
      capabilities: { ...records.capabilities, rateLimit: { requests: 5, perMs: 1_000 } },
    })
    await expect(runCheck('declared rate limit is never exceeded', hasty)).rejects.toThrow(
      /to be less than or equal to 5/,
    )
  })

  it('ignores the run signal, so a cancelled run keeps waiting on its requests', async () => {
    const deaf = broken({
      write: (inner) => (batch, ctx) => inner.write(batch, { ...ctx, signal: new AbortController().signal }),
    })
    await expect(runCheck("a write in flight stops when the run's signal aborts", deaf)).rejects.toThrow(
      /ignored the aborted signal/,
    )
  }, 60_000)

  it('declares a batch size it does not split down to what the API takes', async () => {
    const greedy = defineDestination({
      ...records,
      capabilities: { ...records.capabilities, batchSize: 150 },
    })
    await expect(runCheck('batches never exceed the declared size', greedy)).rejects.toThrow(/413/)
  })

  it('is held to the capabilities its config gives, not the most it declares', async () => {
    const configured = defineDestination({
      ...records,
      capabilities: { ...records.capabilities, batchSize: 200 },
      capabilitiesFor: () => ({ ...records.capabilities, behaviours: ['upsert'], batchSize: 150 }),
    })
    const resolved = resolveOptions({ ...base, connector: configured })
    expect(resolved.capabilities.batchSize).toBe(150)
    expect([...resolved.behaviours]).toEqual(['upsert'])
    // 150 is what this config promises, and more than the API takes in one request.
    await expect(runCheck('batches never exceed the declared size', configured)).rejects.toThrow(/413/)
  })

  it('acknowledges deletes it never makes', async () => {
    const keeping = broken({
      write: (inner) => async (batch, ctx) =>
        batch.operation === 'delete' ? batch.records.map(() => succeeded) : inner.write(batch, ctx),
    })
    await expect(runCheck('mirror: rows gone from the model are removed', keeping)).rejects.toThrow(
      /c-0 is still there/,
    )
  })
})

describe('a destination whose output appears when its run finishes', () => {
  /** Holds every batch until `finishRun`, as a file destination's manifest does. */
  const buffered = defineDestination({
    ...records,
    connect(config, ctx) {
      const inner = records.connect(config, ctx)
      const pending: Array<Parameters<typeof inner.write>> = []
      return {
        ...inner,
        write: async (batch, runCtx) => {
          pending.push([batch, runCtx])
          return batch.records.map(() => succeeded)
        },
        finishRun: async () => {
          for (const [batch, runCtx] of pending.splice(0)) await inner.write(batch, runCtx)
        },
      }
    },
  })

  it('is read back after its run is finished, with writesAreRuns', async () => {
    await runCheck('upsert: records arrive as mapped', buffered, { writesAreRuns: true })
    await expect(runCheck('upsert: records arrive as mapped', buffered)).rejects.toThrow(/is missing/)
  })

  it('may narrow the declared behaviours to those its config offers, never widen them', () => {
    expect(resolveOptions({ ...base, behaviours: ['upsert'] }).behaviours).toEqual(new Set(['upsert']))
    expect(() => resolveOptions({ ...base, object: 'events', behaviours: ['upsert'] })).toThrow(
      /behaviours upsert are not declared by records for events \(declared: append\)/,
    )
  })
})
