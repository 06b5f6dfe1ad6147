import type { DemoDestinationName } from './project.js'
/** The environment variables that point the demo's destinations at a real account. */
export const BRAZE_ENV = ['BRAZE_API_KEY', 'BRAZE_INSTANCE_URL'] as const
export const SALESFORCE_ENV = [
  'SALESFORCE_LOGIN_URL',
  'SALESFORCE_CLIENT_ID',
  'SALESFORCE_REFRESH_TOKEN',
] as const

const FAKE_SALESFORCE = { clientId: 'fake-consumer-key', refreshToken: 'fake-refresh-token' }

export interface DemoDestination {
  name: DemoDestinationName
  /** where it points: a fake on loopback, or the real API from the environment */
  kind: 'fake' | 'real'
  url: string
}

export interface DemoDestinations {
  destinations: DemoDestination[]
  /** the variables set to point the project at the fakes (fake credentials only, never real ones) */
  fakeEnv: Record<string, string>
  close(): Promise<void>
}

const hasAll = (names: readonly string[]) => names.every((name) => (process.env[name] ?? '') !== '')

/**
 * Real APIs when their variables are set; otherwise the connectors' own fakes, served on loopback by
 * the conformance kit's fake host, and the same variables are set in this process to point at them.
 * The project config reads them either way, so the same project runs against the real APIs.
 */
export async function startDemoDestinations(
  names: readonly DemoDestinationName[],
): Promise<DemoDestinations> {
  // Loaded here, not at start-up: no other command needs msw and the fakes.
  const { startFakeHost } = await import('@sluice/conformance/fake')
  const closers: Array<() => Promise<void>> = []
  const fakeEnv: Record<string, string> = {}
  const set = (name: string, value: string) => {
    process.env[name] = value
    fakeEnv[name] = value
  }
  const destinations: DemoDestination[] = []
  if (!names.includes('braze')) {
    // not part of this demo
  } else if (hasAll(BRAZE_ENV)) {
    destinations.push({ name: 'braze', kind: 'real', url: process.env.BRAZE_INSTANCE_URL! })
  } else {
    const { createFakeBraze, FAKE_BRAZE_API_KEY } = await import('@sluice/destination-braze/fake')
    const host = await startFakeHost(createFakeBraze())
    closers.push(() => host.close())
    set('BRAZE_API_KEY', FAKE_BRAZE_API_KEY)
    set('BRAZE_INSTANCE_URL', host.url)
    destinations.push({ name: 'braze', kind: 'fake', url: host.url })
  }
  if (!names.includes('salesforce')) {
    // not part of this demo
  } else if (hasAll(SALESFORCE_ENV)) {
    destinations.push({ name: 'salesforce', kind: 'real', url: process.env.SALESFORCE_LOGIN_URL! })
  } else {
    const { createFakeSalesforce } = await import('@sluice/destination-salesforce/fake')
    const host = await startFakeHost(createFakeSalesforce(FAKE_SALESFORCE))
    closers.push(() => host.close())
    set('SALESFORCE_LOGIN_URL', host.url)
    set('SALESFORCE_CLIENT_ID', FAKE_SALESFORCE.clientId)
    set('SALESFORCE_REFRESH_TOKEN', FAKE_SALESFORCE.refreshToken)
    destinations.push({ name: 'salesforce', kind: 'fake', url: host.url })
  }
  return {
    destinations,
    fakeEnv,
    close: async () => {
      await Promise.allSettled(closers.map((close) => close()))
    },
  }
}
