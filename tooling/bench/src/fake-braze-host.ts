/**
 * The fake Braze API in a process of its own, so the client under test and the API do not share one
 * event loop (they share the machine, as a client and a nearby server would). The parent drives it over
 * IPC: `stats`, `reset`, `close`. See `workloads/fake-braze.ts`.
 */
import { startFakeHost } from '@sluice/conformance'
import type { RateLimit } from '@sluice/core/contract'
import { createFakeBraze } from '@sluice/destination-braze/fake'
import type { FakeBrazeReply, FakeBrazeRequest, TrackTraffic } from './workloads/fake-braze.js'

const trackLimit = JSON.parse(process.argv[2] ?? 'null') as RateLimit | null
const fake = createFakeBraze(trackLimit ? { rateLimits: { track: trackLimit } } : {})
const host = await startFakeHost(fake)

const reply = (message: FakeBrazeReply) => process.send!(message)

function trackTraffic(): TrackTraffic {
  const track = host.traffic.log.filter((r) => r.path.startsWith('/users/track'))
  return {
    requests: track.length,
    rateLimited: track.filter((r) => r.status === 429).length,
    maxInFlight: host.traffic.maxInFlight,
    arrivals: track.map((r) => ({ at: r.at, status: typeof r.status === 'number' ? r.status : 0 })),
    users: fake.records('users').size,
  }
}

process.on('message', async (message: FakeBrazeRequest) => {
  if (message.type === 'traffic') reply({ type: 'traffic', traffic: trackTraffic() })
  else if (message.type === 'reset') {
    fake.reset()
    host.resetTraffic()
    reply({ type: 'reset' })
  } else if (message.type === 'close') {
    await host.close()
    process.exit(0)
  }
})

reply({ type: 'ready', url: host.url, apiKey: fake.apiKey })
