import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startFakeHost } from '@sluice/conformance/fake'
import { createFakeBraze, FAKE_BRAZE_API_KEY, type FakeBraze } from '@sluice/destination-braze/fake'
import { createFakeSalesforce, type FakeSalesforce } from '@sluice/destination-salesforce/fake'
import { installDemoConnectors } from '../../src/install-connectors.js'
import { demoConfig } from '../../src/project.js'
import { createDemoWarehouse } from '../../src/warehouse.js'
import { tempDir } from './cli.js'

const DEMO_PACKAGE = fileURLToPath(new URL('../../', import.meta.url))

/**
 * A project on the demo's warehouse, config and connectors, in a temporary folder: its Braze and
 * Salesforce syncs, the ones the runner's tests look inside (the demo's own tests run all four).
 */
export async function sampleProject(customers: number, prefix = 'sluice-project-') {
  const dir = await tempDir(prefix)
  await createDemoWarehouse(join(dir.path, 'warehouse.duckdb'), customers)
  await writeFile(
    join(dir.path, 'sluice.json'),
    `${JSON.stringify(demoConfig(['braze', 'salesforce']), null, 2)}\n`,
  )
  await installDemoConnectors(dir.path)
  return dir
}

/** A temporary folder with this package in its node_modules, as `npm install @sluice/demo` leaves it. */
export async function folderWithDemo(prefix: string) {
  const dir = await tempDir(prefix)
  await mkdir(join(dir.path, 'node_modules', '@sluice'), { recursive: true })
  await symlink(DEMO_PACKAGE, join(dir.path, 'node_modules', '@sluice', 'demo'), 'junction')
  return dir
}

export interface Fakes {
  braze: FakeBraze
  salesforce: FakeSalesforce
  brazeHost: Awaited<ReturnType<typeof startFakeHost>>
  /** the environment that points a project's destinations at the fakes */
  env: Record<string, string>
  close(): Promise<void>
}

/** The fake Braze and Salesforce APIs on loopback, in the test process, so tests can look inside. */
export async function startFakes(): Promise<Fakes> {
  const braze = createFakeBraze()
  const salesforce = createFakeSalesforce({ clientId: 'test-client', refreshTokens: ['test-refresh-token'] })
  const brazeHost = await startFakeHost(braze)
  const salesforceHost = await startFakeHost(salesforce)
  return {
    braze,
    salesforce,
    brazeHost,
    env: {
      BRAZE_API_KEY: FAKE_BRAZE_API_KEY,
      BRAZE_INSTANCE_URL: brazeHost.url,
      SALESFORCE_LOGIN_URL: salesforceHost.url,
      SALESFORCE_CLIENT_ID: 'test-client',
      SALESFORCE_REFRESH_TOKEN: 'test-refresh-token',
    },
    close: async () => {
      await Promise.all([brazeHost.close(), salesforceHost.close()])
    },
  }
}

/** Every JSON line of a command's stdout. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T)
}

/** The runs a `--json` command printed. */
export const runsOf = (stdout: string) => jsonLines<RunJson>(stdout)

/** A run as `--json` prints it. */
export interface RunJson {
  runId: string
  sync: string
  status: string
  counts: {
    queried: number
    invalid: number
    added: number
    changed: number
    removed: number
    unchanged: number
    succeeded: number
    rejected: number
    succeededByOperation: Record<string, number | undefined>
  }
  error: { message: string } | null
}
