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
