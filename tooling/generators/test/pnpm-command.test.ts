import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'

const run = promisify(execFile)
const generator = fileURLToPath(new URL('../src/connector/generator.cjs', import.meta.url))
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-pnpm-command-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

// `pnpm new:connector` runs the generator as a pnpm script; the generator then runs `pnpm install`
// with the same pnpm. pnpm 12 is a native executable, so it must not be handed to node as a script.
it('runs the pnpm that started the script, as `npx -y pnpm@12.4.2 <script>` starts it', async () => {
  const probe = `const [command, args] = require(${JSON.stringify(generator)}).pnpmCommand();
process.stdout.write('version=' + require('node:child_process').execFileSync(command, [...args, '--version']).toString());`
  await writeFile(join(dir, 'probe.cjs'), probe)
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'probe', private: true, scripts: { probe: 'node probe.cjs' } }),
  )
  const { stdout } = await run('npx', ['-y', 'pnpm@12.4.2', 'run', '--silent', 'probe'], { cwd: dir })
  expect(stdout.trim()).toBe('version=12.4.2')
}, 600_000)
