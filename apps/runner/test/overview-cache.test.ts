import { describe, expect, it } from 'vitest'
import type { ServeHost } from '../src/serve/host.js'
import { OVERVIEW_TTL_MS, syncOverview } from '../src/serve/overview-cache.js'

/** A host whose ledger counts its reads and whose scheduler says which run is in flight. */
function fakeHost() {
  const state = { reads: 0, running: undefined as string | undefined, fail: false }
  const host = {
    ledger: {
      overview: async () => {
        state.reads++
        if (state.fail) throw new Error('ledger unavailable')
        return [{ sync: 'contacts', reads: state.reads }]
      },
    },
    scheduler: {
      schedules: () => [{ sync: 'contacts', running: state.running ? { runId: state.running } : undefined }],
    },
  } as unknown as ServeHost
  return { host, state }
}

describe('the overview the API serves', () => {
  it('shares one ledger read between loads within a second', async () => {
    const { host, state } = fakeHost()
    await syncOverview(host, 0)
    await syncOverview(host, OVERVIEW_TTL_MS - 1)
    expect(state.reads).toBe(1)
    await syncOverview(host, OVERVIEW_TTL_MS)
    expect(state.reads).toBe(2)
  })

  it('reads again as soon as a run starts or ends', async () => {
    const { host, state } = fakeHost()
    await syncOverview(host, 0)
    state.running = 'run-1'
    await syncOverview(host, 1)
    expect(state.reads).toBe(2)
    state.running = undefined
    await syncOverview(host, 2)
    expect(state.reads).toBe(3)
  })

  it('keeps no failed read', async () => {
    const { host, state } = fakeHost()
    state.fail = true
    await expect(syncOverview(host, 0)).rejects.toThrow('ledger unavailable')
    state.fail = false
    await expect(syncOverview(host, 1)).resolves.toEqual([{ sync: 'contacts', reads: 2 }])
  })
})
