import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadProject, readConfig, validateConfig } from '../src/index.js'

const example = join(import.meta.dirname, '../../../docs/examples/sluice.config.ts')
const packageRoot = join(import.meta.dirname, '..')

/** Every variable the example references, as a user's environment would hold them. */
const env = {
  BRAZE_API_KEY: 'braze-rest-key-0000',
  BRAZE_INSTANCE_URL: 'https://rest.fra-01.braze.eu',
  SALESFORCE_LOGIN_URL: 'https://login.salesforce.com',
  SALESFORCE_CLIENT_ID: '3MVG9-client-id',
  SALESFORCE_USERNAME: 'integration@acme.example',
  SALESFORCE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----',
  SLACK_ALERTS_WEBHOOK: 'https://hooks.slack.com/services/T000/B000/XXXX',
  SMTP_PASSWORD: 'smtp-password-0000',
}

// The example imports `@sluice/core` as a user's project would; give it a project folder where that
// package is installed (linked to this one), and load the file unchanged from there.
let project: string
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'sluice-example-'))
  await mkdir(join(project, 'node_modules/@sluice'), { recursive: true })
  await symlink(packageRoot, join(project, 'node_modules/@sluice/core'), 'dir')
  await copyFile(example, join(project, 'sluice.config.ts'))
})
afterAll(async () => {
  await rm(project, { recursive: true, force: true })
})

describe('docs/examples/sluice.config.ts', () => {
  it('is valid as written, before env references are resolved', async () => {
    expect(validateConfig(await readConfig(join(project, 'sluice.config.ts')))).toEqual([])
  })

  it('loads with every mapping kind and every schedule kind', async () => {
    const loaded = await loadProject(project, { env })
    expect(Object.keys(loaded.models)).toEqual([
      'users',
      'paying_users',
      'recent_orders',
      'churned_accounts',
      'customer_ltv',
    ])
    const syncs = Object.values(loaded.syncs)
    expect(new Set(syncs.map((s) => s.schedule.type))).toEqual(
      new Set(['manual', 'interval', 'cron', 'after']),
    )
    const mappingKinds = new Set(
      syncs.flatMap((s) =>
        s.mappings.map((m) => ['from', 'constant', 'object', 'array'].find((k) => k in m)),
      ),
    )
    expect(mappingKinds).toEqual(new Set(['from', 'constant', 'object', 'array']))
    expect(syncs.some((s) => s.mappings.some((m) => m.to.includes('.')))).toBe(true)
    expect(loaded.destinations.braze?.config.apiKey).toBe(env.BRAZE_API_KEY)
    expect(loaded.settings.org).toBe('acme')
  })

  it('names each variable it needs when the environment lacks them', async () => {
    const variable = (i: { expected: string }) => /environment variable (\w+)/.exec(i.expected)?.[1]
    // a variable of a source or destination blocks only the syncs that use it
    const { SLACK_ALERTS_WEBHOOK, SMTP_PASSWORD, ...connections } = env
    const loaded = await loadProject(project, { env: { SLACK_ALERTS_WEBHOOK, SMTP_PASSWORD }, cwd: project })
    const blocked = Object.values(loaded.unavailable).flat().map(variable)
    expect(blocked.sort()).toEqual(Object.keys(connections).sort())
    // one outside them (an alert's webhook, the SMTP password) blocks the project
    const error = await loadProject(project, { env: {}, cwd: project }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map(variable).sort()).toEqual([
      'SLACK_ALERTS_WEBHOOK',
      'SMTP_PASSWORD',
    ])
  })
})

describe('docs/examples/sluice.json', () => {
  it('loads, the same project written as JSON', async () => {
    const loaded = await loadProject(join(import.meta.dirname, '../../../docs/examples/sluice.json'), { env })
    expect(loaded.syncs.braze_users?.mappings).toHaveLength(3)
    expect(loaded.syncs.braze_users?.schedule).toEqual({ type: 'interval', every: '1h' })
  })
})
