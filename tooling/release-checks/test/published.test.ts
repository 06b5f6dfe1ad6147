import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { declarationProblems } from '../src/declarations.js'
import { publintProblems, typesProblems } from '../src/package-lints.js'
import {
  filesUnder,
  packAll,
  publishablePackages,
  REPO,
  run,
  unpack,
  type WorkspacePackage,
} from '../src/workspace.js'

/**
 * What a team gets from npm: every publishable package packed as `pnpm publish` would upload it, each
 * checked by publint and "are the types wrong", then the runner, the DuckDB source and the Braze
 * destination installed from those tarballs into a project outside the workspace, and used from their
 * compiled `dist/` as a user would.
 */
const packages = publishablePackages()
let work: string
let packs: string
let tarballs: Map<string, string>

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sluice-published-'))
  packs = join(work, 'packs')
  await mkdir(packs)
  tarballs = await packAll(packs)
}, 300_000)
afterAll(() => rm(work, { recursive: true, force: true }))

/** A command's output and exit code, never throwing, so a failure shows what the tool said. */
async function outcome(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await run(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, output: `${stdout}${stderr}` }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string }
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      output: `${e.stdout ?? ''}${e.stderr ?? e.message}`,
    }
  }
}

/** The workspace's exports as a user resolves them: the repository-only `@sluice/source` condition removed. */
function withoutSourceCondition(exports: unknown): unknown {
  if (typeof exports !== 'object' || exports === null) return exports
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([condition]) => condition !== '@sluice/source')
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  )
}

describe.each(packages.map((p) => [p.name, p] as [string, WorkspacePackage]))(
  'the published %s',
  (name, pkg) => {
    it('passes publint (warnings included)', async () => {
      expect(await publintProblems(tarballs.get(name)!)).toEqual([])
    })

    it('passes "are the types wrong" for ESM (attw --profile esm-only)', async () => {
      expect(await typesProblems(tarballs.get(name)!)).toEqual([])
    })

    it('ships compiled JavaScript and types whose imports its package.json declares', async () => {
      const into = join(work, 'unpacked', name.replace('/', '-'))
      await mkdir(into, { recursive: true })
      const dir = await unpack(tarballs.get(name)!, into)
      const manifest = JSON.parse(
        readFileSync(join(dir, 'package.json'), 'utf8'),
      ) as WorkspacePackage['manifest']
      const sources = filesUnder(dir).filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))
      expect(sources, 'TypeScript sources in the tarball').toEqual([])
      expect(JSON.stringify(manifest.exports ?? {}), 'a repository-only export condition').not.toContain(
        '@sluice/source',
      )
      expect(JSON.stringify(manifest), 'an unresolved workspace: range').not.toContain('workspace:')
      expect(declarationProblems(dir, manifest)).toEqual([])
      expect(pkg.manifest.version).toBe(manifest.version)
    })

    it('publishes every entry point it has in the workspace, without the source condition', async () => {
      const into = join(work, 'entries', name.replace('/', '-'))
      await mkdir(into, { recursive: true })
      const dir = await unpack(tarballs.get(name)!, into)
      const published = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        exports?: unknown
      }
      expect(published.exports).toEqual(withoutSourceCondition(pkg.manifest.exports))
    })
  },
)

describe('a project that installs the runner, the DuckDB source and the Braze destination from npm', () => {
  let project: string
  /** what a user's shell has: none of the variables pnpm and turbo set for a script */
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|INIT_CWD$|TURBO_|VITEST)/i.test(key)),
    ),
    NO_COLOR: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_prefer_offline: 'true',
  }
  const npm = (args: string[]) => outcome('npm', args, { cwd: project, env })
  const sluice = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    outcome(process.execPath, [join(project, 'node_modules/@sluice/runner/bin/sluice.js'), ...args], {
      cwd: project,
      env: { ...env, ...extra },
    })
  const installed = (name: string) =>
    existsSync(join(project, 'node_modules', ...name.split('/'), 'package.json'))

  beforeAll(async () => {
    project = join(work, 'project')
    // The documented path from a checkout: the workspace's runner writes a project whose package.json
    // depends on the tarballs (nothing is on the registry yet), and npm installs it.
    const init = await outcome(
      process.execPath,
      [join(REPO, 'apps/runner/bin/sluice.js'), 'init', project, '--from', packs],
      {
        cwd: work,
        env,
      },
    )
    expect(init.code, init.output).toBe(0)
    const result = await npm(['install'])
    expect(result.code, result.output).toBe(0)
  }, 300_000)

  it('installs no test tooling, no fake-API dependency and no other connector', () => {
    for (const name of [
      'vitest',
      'msw',
      '@sluice/conformance',
      '@sluice/destination-salesforce',
      '@sluice/demo',
    ]) {
      expect(installed(name), `${name} in node_modules`).toBe(false)
    }
    for (const name of [
      '@sluice/runner',
      '@sluice/core',
      '@sluice/source-duckdb',
      '@sluice/destination-braze',
    ]) {
      expect(installed(name), `${name} in node_modules`).toBe(true)
    }
    const runner = join(project, 'node_modules/@sluice/runner')
    expect(existsSync(join(runner, 'src')), "the runner's TypeScript sources").toBe(false)
    expect(existsSync(join(runner, 'dist', 'cli.js')), "the runner's compiled dist/").toBe(true)
  })

  it('sluice init --from writes a project that depends on the tarballs, and runs from the compiled runner', async () => {
    expect(existsSync(join(project, 'sluice.config.ts'))).toBe(true)
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    expect(manifest.dependencies['@sluice/runner']).toBe(`file:${tarballs.get('@sluice/runner')}`)
    // the installed runner, from dist/, writes one too
    const result = await sluice(['init', 'second', '--from', packs])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toContain('created a Sluice project in second')
    expect(existsSync(join(project, 'second', 'sluice.config.ts'))).toBe(true)
  })

  it('the compiled runner loads a sluice.config.ts whatever its folder says about module type', async () => {
    // Node reads a .ts file as CommonJS where the nearest package.json has no "type": "module".
    const config = readFileSync(join(project, 'sluice.config.ts'), 'utf8')
    for (const [folder, manifest] of [
      ['commonjs', { name: 'commonjs-project' }],
      ['esm', { name: 'esm-project', type: 'module' }],
    ] as const) {
      await mkdir(join(project, folder))
      await writeFile(join(project, folder, 'package.json'), JSON.stringify(manifest))
      await writeFile(join(project, folder, 'sluice.config.ts'), config)
      await cp(join(project, 'models'), join(project, folder, 'models'), { recursive: true })
      const result = await sluice(['validate', '--config', join(folder, 'sluice.config.ts')], {
        BRAZE_API_KEY: 'a-real-looking-key-123',
        BRAZE_INSTANCE_URL: 'https://rest.iad-01.braze.com',
      })
      expect(result.code, `${folder}: ${result.output}`).toBe(0)
      expect(result.output).toContain('is valid: 1 source, 1 destination, 1 model, 1 sync')
    }
  })

  it('sluice validate accepts it', async () => {
    const result = await sluice(['validate'], {
      BRAZE_API_KEY: 'a-real-looking-key-123',
      BRAZE_INSTANCE_URL: 'https://rest.iad-01.braze.com',
    })
    expect(result.code, result.output).toBe(0)
    expect(result.output).toContain('sluice.config.ts is valid: 1 source, 1 destination, 1 model, 1 sync')
  })

  it('sluice connectors lists exactly what is installed', async () => {
    const result = await sluice(['connectors', '--json'])
    expect(result.code, result.output).toBe(0)
    const { installed: list, available } = JSON.parse(result.output) as {
      installed: Array<{ package: string; origin: string; problems: string[] }>
      available: Array<{ package: string }>
    }
    expect(list.map((c) => [c.package, c.origin, c.problems])).toEqual([
      ['@sluice/destination-braze', 'project', []],
      ['@sluice/source-duckdb', 'project', []],
    ])
    expect(available.map((c) => c.package)).toContain('@sluice/destination-salesforce')
  })

  it('sluice demo says how to get the demo package', async () => {
    const result = await sluice(['demo'])
    expect(result.code).toBe(1)
    expect(result.output).toContain('npm install @sluice/demo')
  })

  it('sluice connectors add salesforce installs it from its packed tarball', async () => {
    const result = await sluice(['connectors', 'add', 'salesforce', '--from', packs])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toContain('✔ @sluice/destination-salesforce@')
    expect(installed('@sluice/destination-salesforce')).toBe(true)
    const list = await sluice(['connectors', '--json'])
    const { installed: after } = JSON.parse(list.output) as { installed: Array<{ package: string }> }
    expect(after.map((c) => c.package)).toEqual([
      '@sluice/destination-braze',
      '@sluice/destination-salesforce',
      '@sluice/source-duckdb',
    ])
    expect(installed('msw'), 'msw after adding Salesforce').toBe(false)
  })

  describe('against the Braze fake from the package itself', () => {
    let fake: ChildProcess
    let url: string
    let apiKey: string

    beforeAll(async () => {
      // the fake's own needs, as a connector's tests would install them: msw and the kit's loopback host
      const msw = packages.find((p) => p.name === '@sluice/destination-braze')!.manifest.devDependencies!.msw!
      const dev = await npm(['install', '--save-dev', `msw@${msw}`, tarballs.get('@sluice/conformance')!])
      expect(dev.code, dev.output).toBe(0)
      // a fake runs on loopback, which the connector refuses unless told the endpoint is not Braze's own
      const config = join(project, 'sluice.config.ts')
      const text = readFileSync(config, 'utf8')
      const custom = text.replace(
        "instanceUrl: '${env:BRAZE_INSTANCE_URL}' }",
        "instanceUrl: '${env:BRAZE_INSTANCE_URL}', allowCustomEndpoint: true }",
      )
      expect(custom, 'the Braze destination in sluice.config.ts').not.toBe(text)
      await writeFile(config, custom)
      await writeFile(
        join(project, 'braze-fake.mjs'),
        [
          "import { startFakeHost } from '@sluice/conformance/fake'",
          "import { createFakeBraze, FAKE_BRAZE_API_KEY } from '@sluice/destination-braze/fake'",
          'const host = await startFakeHost(createFakeBraze())',
          'console.log(JSON.stringify({ url: host.url, apiKey: FAKE_BRAZE_API_KEY }))',
          "process.on('SIGTERM', () => host.close().then(() => process.exit(0)))",
        ].join('\n'),
      )
      fake = spawn(process.execPath, ['braze-fake.mjs'], {
        cwd: project,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const first = await new Promise<string>((resolve, reject) => {
        fake.once('exit', (code) => reject(new Error(`the Braze fake exited with ${code}`)))
        createInterface({ input: fake.stdout! }).once('line', resolve)
      })
      ;({ url, apiKey } = JSON.parse(first) as { url: string; apiKey: string })
    }, 300_000)
    afterAll(() => {
      fake?.kill('SIGTERM')
    })

    it('sluice run sends every customer and succeeds', async () => {
      const result = await sluice(['run', 'customers_to_braze', '--json'], {
        BRAZE_API_KEY: apiKey,
        BRAZE_INSTANCE_URL: url,
      })
      expect(result.code, result.output).toBe(0)
      const line = result.output.split('\n').find((l) => l.startsWith('{"runId"'))
      expect(line, result.output).toBeDefined()
      const runJson = JSON.parse(line!) as { status: string; counts: { queried: number; succeeded: number } }
      expect(runJson.status).toBe('succeeded')
      expect(runJson.counts.queried).toBe(100)
      expect(runJson.counts.succeeded).toBe(100)
    })
  })
})
