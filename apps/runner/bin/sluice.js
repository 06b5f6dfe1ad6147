#!/usr/bin/env node
// Inside the repository the CLI runs from its TypeScript source; a published install runs dist/.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (existsSync(join(root, 'src', 'cli.ts')) && !existsSync(join(root, 'dist', 'cli.js'))) {
  const { register } = await import('tsx/esm/api')
  register({ conditions: ['@sluice/source'] })
  await import('../src/cli.ts')
} else {
  await import('../dist/cli.js')
}
