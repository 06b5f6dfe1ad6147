import { type ChildProcess, spawn } from 'node:child_process'
import { BIN } from './cli.js'

export interface Served {
  url: string
  child: ChildProcess
  /** everything the server wrote, so far */
  output(): string
  /** resolves with the exit code */
  exited: Promise<number | null>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the real `sluice serve` on a free loopback port and waits until it listens. */
export function startServe(
  cwd: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)))
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) {
        child.stdout.off('data', onData)
        child.stdout.on('data', (more: Buffer) => {
          out += more.toString()
        })
        resolve({
          url: match[1]!,
          child,
          output: () => out,
          exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal)
            return exited
          },
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    exited.then((code) => reject(new Error(`sluice serve exited with ${code} before listening:\n${out}`)))
  })
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((done) => setTimeout(done, 200))
  }
}
