import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sluice } from './helpers/cli.js'
import { type Fakes, runsOf, sampleProject, startFakes } from './helpers/project.js'

/** The commands that talk to the destinations: check, discover, test-row, reset. */
let fakes: Fakes
let project: Awaited<ReturnType<typeof sampleProject>>
beforeAll(async () => {
  fakes = await startFakes()
  project = await sampleProject(800)
})
afterAll(async () => {
  await fakes.close()
  await project.remove()
})

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  sluice(args, { cwd: project.path, env: { ...fakes.env, ...env } })

describe('sluice check', () => {
  it('checks every source and destination, one line each', async () => {
    const result = await cli(['check'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/✔ source +warehouse \(duckdb\) +ok/)
    expect(result.stdout).toMatch(/✔ destination +braze \(braze\) +ok/)
    expect(result.stdout).toMatch(/✔ destination +salesforce \(salesforce\) +ok/)
  })

  it('fails with the reason, and never the key, when credentials are wrong', async () => {
    const result = await cli(['check', 'braze'], { BRAZE_API_KEY: 'not-the-right-key-42' })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✖ destination +braze \(braze\) +auth: /)
    expect(result.stdout + result.stderr).not.toContain('not-the-right-key-42')
    const json = JSON.parse(
      (await cli(['check', 'braze', '--json'], { BRAZE_API_KEY: 'not-the-right-key-42' })).stdout,
    ) as Array<{
      ok: boolean
      error: { category: string }
    }>
    expect(json[0]!.ok).toBe(false)
    expect(json[0]!.error.category).toBe('auth')
  })

  it('suggests the closest name', async () => {
    const result = await cli(['check', 'braz'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Did you mean "braze"?')
  })
})

describe('sluice validate --online and check, against what the destination and model have', () => {
  it('names a mapped field the destination lacks and a column the model lacks, with their paths', async () => {
    const broken = await sampleProject(50, 'sluice-online-')
    try {
      const file = join(broken.path, 'sluice.json')
      const config = JSON.parse(await readFile(file, 'utf8'))
      const salesforce = config.syncs.contacts_to_salesforce
      salesforce.mappings.push({ from: 'email', to: 'Emial' }, { from: 'loyalty_tier', to: 'Description' })
      await writeFile(file, JSON.stringify(config))
      const run = (args: string[]) => sluice(args, { cwd: broken.path, env: fakes.env })

      // offline, the config is fine: only the destination and the warehouse know better
      expect((await run(['validate'])).code).toBe(0)
      const online = await run(['validate', '--online', '--json'])
      expect(online.code).toBe(1)
      const { issues } = JSON.parse(online.stdout) as { issues: Array<{ path: string; found: string }> }
      const at = salesforce.mappings.length
      expect(issues.map((i) => i.path)).toEqual([
        `/syncs/contacts_to_salesforce/mappings/${at - 2}/to`,
        `/syncs/contacts_to_salesforce/mappings/${at - 1}/from`,
      ])
      expect(issues[0]!.found).toContain('(did you mean "Email"?)')
      expect(issues[1]!.found).toBe('"loyalty_tier", which it does not have')

      const check = await run(['check'])
      expect(check.code).toBe(1)
      expect(check.stdout).toMatch(/✔ destination +salesforce \(salesforce\) +ok/)
      expect(check.stdout).toContain(
        `✖ config      /syncs/contacts_to_salesforce/mappings/${at - 2}/to: expected a field of Contact`,
      )
    } finally {
      await broken.remove()
    }
  })

  it('lets the syncs of other destinations run when one destination lacks its variables', async () => {
    const env = { ...fakes.env, SALESFORCE_REFRESH_TOKEN: undefined }
    const validate = await sluice(['validate'], { cwd: project.path, env })
    expect(validate.code).toBe(1)
    expect(validate.stdout).toContain('expected the environment variable SALESFORCE_REFRESH_TOKEN to be set')

    const dryRun = await sluice(
      ['run', 'customers_to_braze', 'contacts_to_salesforce', '--dry-run', '--json'],
      {
        cwd: project.path,
        env,
      },
    )
    const [braze, salesforce] = runsOf(dryRun.stdout)
    expect(braze!.status).not.toBe('failed')
    expect(salesforce!.status).toBe('failed')
    expect(salesforce!.error!.message).toContain('destination "salesforce" cannot be used')
    expect(salesforce!.error!.message).toContain('SALESFORCE_REFRESH_TOKEN')

    const check = await sluice(['check'], { cwd: project.path, env })
    expect(check.stdout).toMatch(/✔ destination +braze \(braze\) +ok/)
    expect(check.stdout).toMatch(
      /✖ destination +salesforce \(salesforce\) +config: \[sluice\] destination "salesforce" cannot be used/,
    )
  })
})

describe('sluice discover', () => {
  it("lists a destination's objects and fields", async () => {
    const braze = await cli(['discover', 'braze'])
    expect(braze.code).toBe(0)
    expect(braze.stdout).toMatch(/^users/m)
    expect(braze.stdout).toMatch(/external_id +\S+ +yes/)

    const contact = await cli(['discover', 'salesforce', '--object', 'Contact', '--json'])
    expect(contact.code).toBe(0)
    const catalog = JSON.parse(contact.stdout) as {
      objects: Array<{
        name: string
        fields: Array<{ name: string; identifier?: boolean; createable?: boolean }>
      }>
    }
    expect(catalog.objects.map((o) => o.name)).toEqual(['Contact'])
    const external = catalog.objects[0]!.fields.find((f) => f.name === 'External_Id__c')
    expect(external?.identifier).toBe(true)
    expect(external?.createable).toBe(true)

    const missing = await cli(['discover', 'salesforce', '--object', 'Nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no object "Nope"')
  })
})

describe('sluice test-row', () => {
  it('sends one row and shows the request and response with the key masked', async () => {
    const result = await cli(['test-row', 'customers_to_braze', '--id', 'cus_0000001'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('customers_to_braze: cus_0000001 as added → upsert on braze users')
    expect(result.stdout).toContain('"external_id": "cus_0000001"')
    expect(result.stdout).toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/users\/track/)
    expect(result.stdout).toContain('authorization: Bearer ***')
    expect(result.stdout).toMatch(/← 20\d/)
    expect(result.stdout).toContain('✔ succeeded')
    expect(result.stdout).not.toContain(fakes.env.BRAZE_API_KEY)
    expect(fakes.braze.user({ external_id: 'cus_0000001' })).toBeDefined()
  })

  it("shows the destination's reason when it rejects the row", async () => {
    const result = await cli(['test-row', 'customers_to_braze', '--id', 'cus_0000173'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain("✖ rejected: 'email' is not a valid email address")
  })

  it('sends a removal as the behaviour says: mirror deletes', async () => {
    const result = await cli(['test-row', 'customers_to_braze', '--id', 'cus_0000001', '--as', 'removed'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('as removed → delete')
    expect(result.stdout).toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/users\/delete/)
    expect(fakes.braze.user({ external_id: 'cus_0000001' })).toBeUndefined()
  })

  it('explains a missing or duplicated identifier', async () => {
    const missing = await cli(['test-row', 'customers_to_braze', '--id', 'cus_9999999'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no row of model "customers" has customer_id = cus_9999999')
    const duplicated = await cli(['test-row', 'customers_to_braze', '--id', 'cus_0000449'])
    expect(duplicated.code).toBe(1)
    expect(duplicated.stdout).toContain('2 rows of the model have customer_id = cus_0000449')
    const noId = await cli(['test-row', 'customers_to_braze'])
    expect(noId.code).toBe(1)
    expect(noId.stderr).toContain('--id <identifier>')
  })
})

describe('sluice reset', () => {
  it('makes the next run a full one, or with --cdc starts from the current rows', async () => {
    const first = runsOf((await cli(['run', 'contacts_to_salesforce', '--json'])).stdout)[0]!
    expect(first.counts.added).toBeGreaterThan(700)

    const reset = await cli(['reset', 'contacts_to_salesforce'])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toContain('The next run sends every row as added')
    const full = runsOf((await cli(['run', 'contacts_to_salesforce', '--json'])).stdout)[0]!
    expect(full.counts.added).toBe(first.counts.added)

    const cdc = await cli(['reset', 'contacts_to_salesforce', '--cdc'])
    expect(cdc.code).toBe(0)
    expect(cdc.stdout).toContain('change tracking restarts now')
    const after = runsOf((await cli(['run', 'contacts_to_salesforce', '--json'])).stdout)[0]!
    expect(after.counts.added + after.counts.changed + after.counts.removed).toBe(0)
    expect(after.counts.succeeded).toBe(0)
  })
})
