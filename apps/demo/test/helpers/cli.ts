import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** The runner's `sluice` binary, as this package installed it. */
export const BIN = join(
  dirname(createRequire(import.meta.url).resolve('@sluice/runner/package.json')),
  'bin',
  'sluice.js',
)

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd: string
  env?: Record<string, string | undefined>
  timeoutMs?: number
  /** called with the child once it has started (to send it signals) */
  onSpawn?: (child: ChildProcess) => void
}

/**
 * Only against a command that hangs: on a busy machine a demo that takes a minute alone can take ten,
 * and that is not a failure.
 */
const HANG_GUARD_MS = 600_000

/** Runs the real `sluice` binary, as a user would, and collects its output and exit code. */
export function sluice(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
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
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`sluice ${args.join(' ')} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, options.timeoutMs ?? HANG_GUARD_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    options.onSpawn?.(child)
  })
}

export async function tempDir(prefix = 'sluice-cli-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export interface Serving {
  /** where the server listens (the web UI is at its root) */
  url: string
  /** everything the server printed so far */
  output(): string
  /** stops the server (SIGTERM) and waits for it to exit */
  stop(): Promise<CliResult>
}

/** Runs `sluice serve` on a free loopback port in a project, through `sluice()`, until it listens. */
export function serve(cwd: string, env: Record<string, string | undefined>): Promise<Serving> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined
    let out = ''
    const done = sluice(['serve', '--port', '0'], {
      cwd,
      env,
      onSpawn: (spawned) => {
        child = spawned
        const collect = (chunk: Buffer) => {
          out += chunk.toString()
          const listening = /listening on (http:\/\/\S+)/.exec(out)
          if (listening)
            resolve({
              url: listening[1]!,
              output: () => out,
              stop: () => {
                if (child?.exitCode === null) child.kill('SIGTERM')
                return done
              },
            })
        }
        spawned.stdout?.on('data', collect)
        spawned.stderr?.on('data', collect)
      },
    })
    done.then(
      (result) => reject(new Error(`sluice serve exited with ${result.code} before listening:\n${out}`)),
      reject,
    )
  })
}
