import { spawn } from 'node:child_process'
import { copyFile, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { DEFAULTS, emptyCounts, newRunId, type RunRecord, type RunStatus } from '@sluice/core'
import { createStateStore } from '@sluice/state-store'
import { generateUsers } from '../data/users.js'
import { usersModel, usersSync } from './sync-config.js'

const require = createRequire(import.meta.url)

/** Where a workspace package lives (its real folder, not the link in this package's node_modules). */
async function packageDir(name: string): Promise<string> {
  return realpath(path.dirname(require.resolve(`${name}/package.json`)))
}

/**
 * The runner laid out as `npm install @sluice/runner` leaves it: `bin/`, the compiled `dist/`,
 * `package.json` and its dependencies, and no `tsconfig.json` or `src/`, so `bin/sluice.js` takes its
 * published path (dist/) rather than the TypeScript source it runs inside the repository. `bin/` is
 * copied, not linked: Node resolves a linked entry script to its real path, which is in the repository.
 * Returns the path of `bin/sluice.js`.
 */
export async function installRunner(dir: string): Promise<string> {
  const runner = await packageDir('@sluice/runner')
  const compiled = path.join(runner, 'dist', 'cli.js')
  try {
    await readFile(compiled)
  } catch {
    throw new Error(`${compiled} is missing: build the runner first (pnpm --filter @sluice/runner build)`)
  }
  await mkdir(path.join(dir, 'bin'), { recursive: true })
  for (const file of await readdir(path.join(runner, 'bin'))) {
    await copyFile(path.join(runner, 'bin', file), path.join(dir, 'bin', file))
  }
  await copyFile(path.join(runner, 'package.json'), path.join(dir, 'package.json'))
  await symlink(path.join(runner, 'dist'), path.join(dir, 'dist'), 'junction')
  await symlink(path.join(runner, 'node_modules'), path.join(dir, 'node_modules'), 'junction')
  return path.join(dir, 'bin', 'sluice.js')
}

export interface CliProjectOptions {
  syncs: number
  runsPerSync: number
  /** the installed runner's folder, linked into the project's node_modules */
  runnerDir: string
}

/** The sync names of a generated project: `users_01` … */
export function syncNames(count: number): string[] {
  const width = String(count).length
  return Array.from({ length: count }, (_, i) => `users_${String(i + 1).padStart(width, '0')}`)
}

/**
 * A project as `sluice init` and a few weeks of use leave it: a `sluice.json` with a DuckDB source file
 * and `syncs` syncs to Braze, the runner and both connectors in `node_modules`, and `runsPerSync` runs of
 * each sync in the embedded state store's ledger (written through the state store, as a run does).
 */
export async function createCliProject(dir: string, options: CliProjectOptions): Promise<void> {
  await mkdir(path.join(dir, 'node_modules', '@sluice'), { recursive: true })
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'bench-project', private: true, type: 'module' }, null, 2),
  )
  await symlink(options.runnerDir, path.join(dir, 'node_modules', '@sluice', 'runner'), 'junction')
  for (const name of ['@sluice/source-duckdb', '@sluice/destination-braze']) {
    await symlink(await packageDir(name), path.join(dir, 'node_modules', ...name.split('/')), 'junction')
  }
  await generateUsers(path.join(dir, 'warehouse.duckdb'), 1000)
  const names = syncNames(options.syncs)
  const config = {
    name: 'bench',
    sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
    destinations: {
      braze: {
        type: 'braze',
        config: { apiKey: '${env:BRAZE_API_KEY}', instanceUrl: 'https://rest.iad-01.braze.com' },
      },
    },
    models: { users: usersModel },
    syncs: Object.fromEntries(names.map((name) => [name, usersSync('braze', 'users', 'external_id')])),
  }
  await writeFile(path.join(dir, 'sluice.json'), `${JSON.stringify(config, null, 2)}\n`)

  const store = createStateStore({ path: path.join(dir, DEFAULTS.statePath) })
  try {
    const firstRun = Date.now() - options.runsPerSync * 3_600_000
    for (const [index, sync] of names.entries()) {
      for (let run = 0; run < options.runsPerSync; run++) {
        const started = new Date(firstRun + run * 3_600_000 + index * 1000)
        // the odd failed or partial run, so the overview's health is not the same for every sync
        const status: RunStatus =
          run === options.runsPerSync - 1 && index % 10 === 3
            ? 'failed'
            : index % 10 === 7
              ? 'partially_succeeded'
              : 'succeeded'
        const record: RunRecord = {
          id: newRunId(started),
          sync,
          status,
          mode: 'incremental',
          startedAt: started.toISOString(),
          endedAt: new Date(started.getTime() + 42_000).toISOString(),
          durationMs: 42_000,
          counts: {
            ...emptyCounts(),
            queried: 1000,
            changed: 10,
            succeeded: status === 'failed' ? {} : { upsert: 10 },
          },
          ...(status === 'failed'
            ? { error: { category: 'destination', code: 'UNAVAILABLE', message: 'Braze answered 503' } }
            : {}),
        }
        await store.saveRun(record)
      }
    }
  } finally {
    await store.close()
  }
}

export interface Spawned {
  ms: number
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its exit; `ms` is the wall time from spawning it to its exit. */
export function timeSpawn(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }))
  })
}

/**
 * The scripts one `node bin/sluice.js …` loaded, from V8's coverage files (`NODE_V8_COVERAGE`): what
 * proves which path the binary took, and shows what a command pulls in at start-up.
 */
export async function loadedScripts(
  bin: string,
  args: readonly string[],
  options: { cwd: string; coverageDir: string },
): Promise<string[]> {
  await rm(options.coverageDir, { recursive: true, force: true })
  const result = await timeSpawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: { NODE_V8_COVERAGE: options.coverageDir },
  })
  if (result.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  const urls = new Set<string>()
  for (const file of await readdir(options.coverageDir)) {
    const coverage = JSON.parse(await readFile(path.join(options.coverageDir, file), 'utf8')) as {
      result: Array<{ url: string }>
    }
    for (const script of coverage.result) if (script.url.startsWith('file:')) urls.add(script.url)
  }
  return [...urls]
}
