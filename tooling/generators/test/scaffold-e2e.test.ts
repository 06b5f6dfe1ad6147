import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { loadConnectorAt } from '@sluice/runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCAFFOLD_NAMES } from './scaffold-names.js'

/**
 * Scaffolds a connector into a copy of the workspace, the way a contributor does, and proves the fresh
 * package builds, typechecks, lints and passes the conformance kit without a single edit. Only the
 * packages a connector needs are copied; installed dependencies are shared with this checkout through
 * symlinks instead of a new install, which keeps the test to seconds.
 */
const run = promisify(execFile)
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const WORKSPACE_PACKAGES: Record<string, string> = {
  '@sluice/core': 'packages/core',
  '@sluice/conformance': 'packages/conformance',
  '@sluice/tsconfig': 'tooling/tsconfig',
  '@sluice/vitest-config': 'tooling/vitest',
  '@sluice/generators': 'tooling/generators',
}
const ROOT_FILES = ['package.json', 'pnpm-workspace.yaml', 'nx.json', 'biome.json']
const SKIPPED = new Set(['dist', '.reports', '.turbo', '.nx', 'test'])

let workspace: string
/** Scaffolded side by side in one copy of the workspace: a short, a plain, a long and a hyphenated name. */
const NAMES = SCAFFOLD_NAMES
const connectorDir = (name: string) => join(workspace, 'connectors', `destination-${name}`)

/** Where this checkout has a third-party package installed (pnpm's store, through a package's links). */
async function installed(name: string): Promise<string> {
  for (const dir of ['packages/core', 'packages/conformance', 'tooling/generators', '.']) {
    const candidate = join(repo, dir, 'node_modules', name)
    if (existsSync(candidate)) return realpath(candidate)
  }
  throw new Error(`${name} is not installed in this checkout`)
}

/** What `pnpm install` would do for the new package: link each dependency into its node_modules. */
async function linkDependencies(dir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = WORKSPACE_PACKAGES[name]
      ? join(workspace, WORKSPACE_PACKAGES[name])
      : await installed(name)
    const link = join(dir, 'node_modules', ...name.split('/'))
    await mkdir(dirname(link), { recursive: true })
    await symlink(target, link, 'dir')
  }
}

async function inConnector(name: string, command: string, args: string[]) {
  return run(process.execPath, [join(workspace, 'node_modules', command), ...args], {
    cwd: connectorDir(name),
    env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', CI: 'true' },
    maxBuffer: 32 * 1024 * 1024,
  })
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'sluice-scaffold-'))
  for (const file of ROOT_FILES) await cp(join(repo, file), join(workspace, file))
  for (const dir of Object.values(WORKSPACE_PACKAGES)) {
    await cp(join(repo, dir), join(workspace, dir), {
      recursive: true,
      // the packages' own links into node_modules/.pnpm stay relative, so they resolve in the copy
      verbatimSymlinks: true,
      filter: (source) => !SKIPPED.has(source.split('/').pop()!) || source === join(repo, dir),
    })
  }
  await symlink(join(repo, 'node_modules'), join(workspace, 'node_modules'), 'dir')

  for (const name of NAMES) {
    await run(
      process.execPath,
      [
        join(workspace, 'node_modules/nx/dist/bin/nx.js'),
        'g',
        '@sluice/generators:connector',
        name,
        '--skipInstall',
      ],
      { cwd: workspace, env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } },
    )
    await linkDependencies(connectorDir(name))
  }
}, 600_000)

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true })
})

describe.each(NAMES)('a freshly scaffolded connector: destination-%s', (name) => {
  it('is written by `nx g @sluice/generators:connector`, with its changeset', () => {
    expect(existsSync(join(connectorDir(name), 'src/connector.ts'))).toBe(true)
    expect(existsSync(join(workspace, `.changeset/destination-${name}.md`))).toBe(true)
  })

  it('has a manifest that matches its code', async () => {
    const loaded = await loadConnectorAt(connectorDir(name), { conditions: ['@sluice/source'] })
    expect(loaded).toMatchObject({ packageName: `@sluice/destination-${name}`, id: name })
  })

  it('typechecks and builds', async () => {
    await inConnector(name, 'typescript/bin/tsc', ['--noEmit', '-p', 'tsconfig.json'])
    // the typecheck above covered src: the build only emits
    await inConnector(name, 'typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--noCheck'])
    expect(existsSync(join(connectorDir(name), 'dist/index.js'))).toBe(true)
    expect(existsSync(join(connectorDir(name), 'dist/fake/index.d.ts'))).toBe(true)
  }, 600_000)

  it('passes lint', async () => {
    await inConnector(name, '@biomejs/biome/bin/biome', ['check', '.'])
  }, 600_000)

  it('passes its test script (the conformance suite is a task of its own)', async () => {
    const pkg = JSON.parse(await readFile(join(connectorDir(name), 'package.json'), 'utf8')) as {
      scripts: { test: string }
    }
    const args = pkg.scripts.test
      .replace(/^vitest /, '')
      .split(' ')
      .filter((a) => !a.startsWith('--reporter') && !a.startsWith('--outputFile'))
    await inConnector(name, 'vitest/vitest.mjs', args)
  }, 600_000)

  it('passes the conformance kit out of the box', async () => {
    const report = join(connectorDir(name), '.reports/conformance.json')
    const result = await inConnector(name, 'vitest/vitest.mjs', [
      'run',
      'test/conformance.test.ts',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ]).catch((error: { stdout?: string; stderr?: string }) => error)
    const json = JSON.parse(await readFile(report, 'utf8')) as {
      numFailedTests: number
      numPassedTests: number
      testResults: Array<{
        assertionResults: Array<{ title: string; status: string; failureMessages: string[] }>
      }>
    }
    const failures = json.testResults
      .flatMap((f) => f.assertionResults)
      .filter((a) => a.status === 'failed')
      .map((a) => `${a.title}: ${a.failureMessages[0]?.split('\n')[0]}`)
    expect(failures, String((result as { stderr?: string }).stderr ?? '')).toEqual([])
    expect(json.numPassedTests).toBeGreaterThanOrEqual(20)
  }, 600_000)
})
