import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('../../..', import.meta.url))

// The README tells contributors to type `pnpm sluice …` at the repository root.
it('`pnpm sluice --help` works as the README types it', async () => {
  const { stdout } = await run('npx', ['-y', 'pnpm@12.4.2', '--silent', 'sluice', '--help'], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1' },
  })
  expect(stdout).toContain('Usage: sluice <command> [options]')
}, 120_000)
