import { execFile } from 'node:child_process'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'
import { linkPackages } from './helpers/project.js'

const run = promisify(execFile)
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

let dir: Awaited<ReturnType<typeof tempDir>>
beforeEach(async () => {
  dir = await tempDir('sluice-connectors-')
})
afterEach(() => dir.remove())

async function install(fixture: string, name: string) {
  const target = join(dir.path, 'node_modules', '@acme', name)
  await mkdir(join(dir.path, 'node_modules', '@acme'), { recursive: true })
  await cp(join(FIXTURES, fixture), target, { recursive: true })
}

describe('sluice connectors', () => {
  it('bundles no connector: a folder with nothing installed lists none', async () => {
    const result = await sluice(['connectors', 'list', '--json'], { cwd: dir.path })
    expect(result.code).toBe(0)
    const { installed } = JSON.parse(result.stdout) as { installed: unknown[] }
    expect(installed).toEqual([])
    const text = await sluice(['connectors'], { cwd: dir.path })
    expect(text.stdout).toMatch(/Installed\n {2}none\n/)
  })

  it("lists exactly the connectors installed in the project's node_modules", async () => {
    await linkPackages(dir.path, ['connectors/source-duckdb', 'connectors/destination-braze'])
    const result = await sluice(['connectors'], { cwd: dir.path })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/duckdb +source +@sluice\/source-duckdb@\S+ +project/)
    expect(result.stdout).toMatch(/braze +destination +@sluice\/destination-braze@\S+ +project/)
    expect(result.stdout.split('Available')[0]).not.toContain('salesforce')
  })

  it("finds a third-party connector in the project's node_modules by its manifest", async () => {
    await install('destination-echo', 'sluice-destination-echo')
    const result = await sluice(['connectors', 'list', '--json'], { cwd: dir.path })
    expect(result.code).toBe(0)
    const { installed } = JSON.parse(result.stdout) as {
      installed: Array<{ package: string; type: string; origin: string; problems: string[] }>
    }
    const echo = installed.find((c) => c.package === '@acme/sluice-destination-echo')
    expect(echo).toMatchObject({ type: 'echo', origin: 'project', problems: [] })
  })

  it('names a package that does not satisfy the contract, and what it lacks', async () => {
    await install('destination-broken', 'sluice-destination-broken')
    const result = await sluice(['connectors'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /@acme\/sluice-destination-broken@0\.0\.1 .*not a valid connector: connect\(config, ctx\) is missing/,
    )
  })
})

describe('sluice connectors add', () => {
  it("uses the project's package manager, found from its lockfile", async () => {
    await writeFile(join(dir.path, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n")
    const result = await sluice(['connectors', 'add', '@sluice/destination-braze', '--dry-run'], {
      cwd: dir.path,
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('pnpm-lock.yaml: pnpm add @sluice/destination-braze')
  })

  it('installs a connector with npm and checks that it loads', async () => {
    await writeFile(join(dir.path, 'package.json'), '{"name":"shop","private":true}\n')
    await writeFile(
      join(dir.path, 'package-lock.json'),
      '{"name":"shop","lockfileVersion":3,"requires":true,"packages":{"":{"name":"shop"}}}\n',
    )
    const result = await sluice(['connectors', 'add', join(FIXTURES, 'destination-echo')], {
      cwd: dir.path,
      env: { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('package-lock.json: npm install')
    expect(result.stdout).toContain(
      '✔ @acme/sluice-destination-echo@1.2.3: use type "echo" in your destinations',
    )
    expect(await readFile(join(dir.path, 'package.json'), 'utf8')).toContain('@acme/sluice-destination-echo')
  })

  it('installs from a folder of packed tarballs with --from, the newest version', async () => {
    await writeFile(join(dir.path, 'package.json'), '{"name":"shop","private":true}\n')
    const packs = join(dir.path, 'packs')
    await mkdir(packs)
    const quiet = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
    await run('npm', ['pack', join(FIXTURES, 'destination-echo'), '--pack-destination', packs], {
      cwd: dir.path,
      env: { ...process.env, ...quiet },
    })
    // an older tarball of the same package, and one of a package whose name only starts the same
    await writeFile(join(packs, 'acme-sluice-destination-echo-1.2.0.tgz'), 'not a tarball')
    await writeFile(join(packs, 'acme-sluice-destination-echo-extra-9.0.0.tgz'), 'not a tarball')
    const result = await sluice(['connectors', 'add', '@acme/sluice-destination-echo', '--from', 'packs'], {
      cwd: dir.path,
      env: quiet,
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`npm install ${join(packs, 'acme-sluice-destination-echo-1.2.3.tgz')}`)
    expect(result.stdout).toContain('✔ @acme/sluice-destination-echo@1.2.3')

    const missing = await sluice(['connectors', 'add', '@acme/other', '--from', 'packs'], { cwd: dir.path })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no packed tarball of @acme/other (acme-other-<version>.tgz)')
  })

  it('installs by short name what the catalog offers, and suggests the closest name', async () => {
    const catalog = join(dir.path, 'marketplace.json')
    await writeFile(
      catalog,
      JSON.stringify({
        connectors: [
          {
            package: '@sluice/destination-sheets',
            version: '0.3.0',
            kind: 'destination',
            type: 'sheets',
            displayName: 'Google Sheets',
            description: 'rows of a sheet tab',
            conformance: { status: 'passing' },
          },
        ],
      }),
    )
    const env = { SLUICE_MARKETPLACE: catalog }
    const listed = await sluice(['connectors'], { cwd: dir.path, env })
    expect(listed.stdout).toMatch(
      /Available \(catalog: .*marketplace\.json\)\n.*\n {2}sheets +destination +@sluice\/destination-sheets +conformance passing +rows of a sheet tab/,
    )

    const add = await sluice(['connectors', 'add', 'sheets', '--dry-run'], { cwd: dir.path, env })
    expect(add.code).toBe(0)
    expect(add.stdout).toContain('no lockfile, so npm: npm install @sluice/destination-sheets')

    const typo = await sluice(['connectors', 'add', 'sheet'], { cwd: dir.path, env })
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('no connector "sheet" in the catalog. Did you mean "sheets"?')
  })
})
