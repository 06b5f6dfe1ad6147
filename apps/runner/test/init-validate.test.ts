import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'
import { linkPackages } from './helpers/project.js'

let dir: Awaited<ReturnType<typeof tempDir>>
beforeEach(async () => {
  dir = await tempDir()
})
afterEach(() => dir.remove())

const BRAZE_ENV = {
  BRAZE_API_KEY: 'a-real-looking-key-123',
  BRAZE_INSTANCE_URL: 'https://rest.iad-01.braze.com',
}

describe('sluice init', () => {
  it('writes a project that validates once its credentials are set', async () => {
    const result = await sluice(['init', 'shop'], { cwd: dir.path })
    expect(result.code).toBe(0)
    const project = join(dir.path, 'shop')
    for (const file of [
      'sluice.config.ts',
      'models/customers.sql',
      'warehouse/seed.sql',
      '.env.example',
      '.gitignore',
      'package.json',
      'warehouse.duckdb',
    ]) {
      expect(existsSync(join(project, file)), file).toBe(true)
    }
    expect(result.stdout).toContain('created a Sluice project in shop')
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toContain('.env')
    expect(await readFile(join(project, '.env.example'), 'utf8')).toContain('BRAZE_API_KEY=')

    // what `npm install` does for the project's package.json
    await linkPackages(project, ['packages/core', 'connectors/source-duckdb', 'connectors/destination-braze'])
    const unset = await sluice(['validate'], {
      cwd: project,
      env: { BRAZE_API_KEY: undefined, BRAZE_INSTANCE_URL: undefined },
    })
    expect(unset.code).toBe(1)
    expect(unset.stdout).toContain('/destinations/braze/config/apiKey')
    expect(unset.stdout).toContain('BRAZE_INSTANCE_URL to be set')

    const valid = await sluice(['validate'], { cwd: project, env: BRAZE_ENV })
    expect(valid.stderr).toBe('')
    expect(valid.code).toBe(0)
    expect(valid.stdout).toContain('sluice.config.ts is valid: 1 source, 1 destination, 1 model, 1 sync')

    const check = await sluice(['check', 'warehouse'], { cwd: project, env: BRAZE_ENV })
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/✔ source +warehouse \(duckdb\) +ok/)
  })

  it('--from depends on the packed tarballs in a folder, and on nothing a registry lacks', async () => {
    const packs = join(dir.path, 'packs')
    await mkdir(packs)
    const names = [
      'runner',
      'core',
      'state-store',
      'tracking',
      'scheduler',
      'source-duckdb',
      'destination-braze',
    ]
    // an older pack of the runner beside the newest: the newest is taken
    for (const file of [...names.map((n) => `sluice-${n}-0.2.0.tgz`), 'sluice-runner-0.1.9.tgz', 'notes.txt'])
      await writeFile(join(packs, file), '')
    const result = await sluice(['init', 'shop', '--from', 'packs'], { cwd: dir.path })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`sluice connectors add <name> --from ${packs}`)
    const manifest = JSON.parse(await readFile(join(dir.path, 'shop', 'package.json'), 'utf8'))
    const file = (name: string) => `file:${join(packs, `sluice-${name}-0.2.0.tgz`)}`
    expect(manifest.dependencies).toEqual({
      '@sluice/runner': file('runner'),
      '@sluice/core': file('core'),
      '@sluice/source-duckdb': file('source-duckdb'),
      '@sluice/destination-braze': file('destination-braze'),
    })
    expect(manifest.overrides).toEqual({
      '@sluice/scheduler': file('scheduler'),
      '@sluice/state-store': file('state-store'),
      '@sluice/tracking': file('tracking'),
    })

    await rm(join(packs, 'sluice-destination-braze-0.2.0.tgz'))
    const refused = await sluice(['init', 'other', '--from', 'packs'], { cwd: dir.path })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      'has no packed tarball of @sluice/destination-braze; nothing was written.',
    )
    expect(refused.stderr).toContain('pnpm pack:local')
    expect(existsSync(join(dir.path, 'other'))).toBe(false)
  })

  it('leaves an existing project alone unless --force', async () => {
    expect((await sluice(['init'], { cwd: dir.path })).code).toBe(0)
    await writeFile(join(dir.path, 'sluice.config.ts'), '// mine\n')
    const again = await sluice(['init'], { cwd: dir.path })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already has sluice.config.ts')
    expect(await readFile(join(dir.path, 'sluice.config.ts'), 'utf8')).toBe('// mine\n')
    const forced = await sluice(['init', '--force'], { cwd: dir.path })
    expect(forced.code).toBe(0)
    expect(await readFile(join(dir.path, 'sluice.config.ts'), 'utf8')).toContain('defineConfig')
  })
})

describe('sluice validate', () => {
  it('lists every problem with its file, path, expectation and finding', async () => {
    await writeFile(
      join(dir.path, 'sluice.json'),
      JSON.stringify({
        sources: { warehouse: { type: 'duckdb', config: { path: 'w.duckdb' } } },
        destinations: {
          braze: {
            type: 'braze',
            config: { apiKey: '${env:BRAZE_API_KEY}', instanceUrl: 'https://rest.iad-01.braze.com' },
          },
        },
        models: { customers: { source: 'warehouse', table: 'customers' } },
        syncs: {
          a: {
            model: 'customers',
            destination: 'braze',
            object: 'users',
            behaviour: 'upsertt',
            identifier: { column: 'id', field: 'external_id' },
          },
          b: { model: 'nope', destination: 'braze', object: 'users', behaviour: 'upsert' },
        },
      }),
    )
    const result = await sluice(['validate'], { cwd: dir.path, env: { BRAZE_API_KEY: 'secret-value-1234' } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✖ \d+ problems in the project config/)
    expect(result.stdout).toContain('sluice.json  /syncs/a/behaviour')
    expect(result.stdout).toContain('found "upsertt"')
    expect(result.stdout).toContain('/syncs/b/identifier')
    expect(result.stdout).toContain('/syncs/b/model')
    expect(result.stdout).not.toContain('secret-value-1234')

    const json = await sluice(['validate', '--json'], {
      cwd: dir.path,
      env: { BRAZE_API_KEY: 'secret-value-1234' },
    })
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as {
      valid: boolean
      issues: Array<{ path: string; file: string }>
    }
    expect(report.valid).toBe(false)
    expect(report.issues.map((i) => i.path)).toContain('/syncs/a/behaviour')
    expect(report.issues.every((i) => i.file === 'sluice.json')).toBe(true)
  })

  it('warns, with the JSON path, about text meant for the environment that would be sent as written', async () => {
    await writeFile(
      join(dir.path, 'sluice.json'),
      JSON.stringify({
        sources: { warehouse: { type: 'duckdb', config: { path: 'w-${env:WAREHOUSE.duckdb' } } },
        destinations: {
          braze: {
            type: 'braze',
            config: { apiKey: '$BRAZE_API_KEY', instanceUrl: 'https://rest.iad-01.braze.com' },
          },
        },
        models: { customers: { source: 'warehouse', table: 'customers' } },
        syncs: {
          a: {
            description: 'owned by ${TEAM}',
            model: 'customers',
            destination: 'braze',
            object: 'users',
            behaviour: 'upsert',
            identifier: { column: 'id', field: 'external_id' },
          },
        },
      }),
    )
    await linkPackages(dir.path, [
      'packages/core',
      'connectors/source-duckdb',
      'connectors/destination-braze',
    ])
    const result = await sluice(['validate'], { cwd: dir.path })
    expect(result.stdout).toContain('sluice.json is valid')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('without its closing }')
    expect(result.stdout).toContain('shell syntax ${NAME} is sent as written')
    expect(result.stdout).toContain('shell syntax $NAME is sent as written')

    const json = await sluice(['validate', '--json'], { cwd: dir.path })
    const report = JSON.parse(json.stdout) as { valid: boolean; warnings: Array<{ path: string }> }
    expect(report.valid).toBe(true)
    expect(report.warnings.map((w) => w.path).sort()).toEqual([
      '/destinations/braze/config/apiKey',
      '/sources/warehouse/config/path',
      '/syncs/a/description',
    ])
  })

  it('says how to start when there is no project', async () => {
    const result = await sluice(['validate'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no project config')
    expect(result.stderr).toContain('sluice init')
  })
})
