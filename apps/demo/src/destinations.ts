import { DEMO_EXPORTS, DEMO_SHEET, type DemoDestinationName } from './project.js'
/** The environment variables that point the demo's destinations at a real account. */
export const BRAZE_ENV = ['BRAZE_API_KEY', 'BRAZE_INSTANCE_URL'] as const
export const SALESFORCE_ENV = [
  'SALESFORCE_LOGIN_URL',
  'SALESFORCE_CLIENT_ID',
  'SALESFORCE_REFRESH_TOKEN',
] as const

/** A Google account: an OAuth client, a refresh token it granted and the spreadsheet to keep. */
export const SHEETS_ENV = [
  'SHEETS_SPREADSHEET_ID',
  'SHEETS_CLIENT_ID',
  'SHEETS_CLIENT_SECRET',
  'SHEETS_REFRESH_TOKEN',
] as const
/** Any JSON API answering as the HTTP destination's fake receiver does, and its bearer token. */
export const HTTP_ENV = ['HTTP_API_URL', 'HTTP_API_TOKEN'] as const
/** Where a real account's API and tokens are, unless the environment says otherwise. */
const GOOGLE = {
  SHEETS_API_URL: 'https://sheets.googleapis.com',
  SHEETS_TOKEN_URI: 'https://oauth2.googleapis.com/token',
}

const FAKE_SALESFORCE = { clientId: 'fake-consumer-key', refreshToken: 'fake-refresh-token' }

export interface DemoDestination {
  name: DemoDestinationName
  /** where it points: a fake on loopback, the real API from the environment, or a local folder */
  kind: 'fake' | 'real' | 'folder'
  url: string
}

export interface DemoDestinations {
  destinations: DemoDestination[]
  /** the variables set to point the project at the fakes (fake credentials only, never real ones) */
  fakeEnv: Record<string, string>
  /** the fake sheet's rows as it holds them now, header first; undefined with a real account */
  fakeSheet?: () => unknown[][]
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
  let fakeSheet: (() => unknown[][]) | undefined
  if (!names.includes('sheets')) {
    // not part of this demo
  } else if (hasAll(SHEETS_ENV)) {
    for (const [name, value] of Object.entries(GOOGLE)) process.env[name] ||= value
    const id = process.env.SHEETS_SPREADSHEET_ID!
    destinations.push({ name: 'sheets', kind: 'real', url: `https://docs.google.com/spreadsheets/d/${id}` })
  } else {
    const { createFakeSheets, FAKE_SHEETS_OAUTH, FAKE_SPREADSHEET_ID } = await import(
      '@sluice/destination-sheets/fake'
    )
    const fake = createFakeSheets({ spreadsheets: [{ id: FAKE_SPREADSHEET_ID, title: 'Sluice demo' }] })
    const host = await startFakeHost(fake)
    closers.push(() => host.close())
    set('SHEETS_SPREADSHEET_ID', FAKE_SPREADSHEET_ID)
    set('SHEETS_API_URL', host.url)
    set('SHEETS_TOKEN_URI', `${host.url}/token`)
    set('SHEETS_CLIENT_ID', FAKE_SHEETS_OAUTH.clientId)
    set('SHEETS_CLIENT_SECRET', FAKE_SHEETS_OAUTH.clientSecret)
    set('SHEETS_REFRESH_TOKEN', FAKE_SHEETS_OAUTH.refreshToken)
    destinations.push({ name: 'sheets', kind: 'fake', url: host.url })
    fakeSheet = () => fake.values(DEMO_SHEET)
  }
  if (!names.includes('http')) {
    // not part of this demo
  } else if (hasAll(HTTP_ENV)) {
    destinations.push({ name: 'http', kind: 'real', url: process.env.HTTP_API_URL! })
  } else {
    const { createFakeReceiver, FAKE_HTTP_TOKEN } = await import('@sluice/destination-http/fake')
    const host = await startFakeHost(createFakeReceiver())
    closers.push(() => host.close())
    set('HTTP_API_URL', host.url)
    set('HTTP_API_TOKEN', FAKE_HTTP_TOKEN)
    destinations.push({ name: 'http', kind: 'fake', url: host.url })
  }
  // Files go to a folder inside the demo's; an s3:// url in the project config sends them to a bucket.
  if (names.includes('s3')) destinations.push({ name: 's3', kind: 'folder', url: `file:${DEMO_EXPORTS}` })
  return {
    destinations,
    fakeEnv,
    ...(fakeSheet ? { fakeSheet } : {}),
    close: async () => {
      await Promise.allSettled(closers.map((close) => close()))
    },
  }
}
