#!/usr/bin/env node
// Inside the repository (where tsconfig.json sits next to src/) the CLI runs from its TypeScript
// source, and so do the workspace packages it loads, so it never runs a stale build; a published
// install runs dist/. The TypeScript loader (tsx) is registered here only for the source: the compiled
// CLI registers it when a command first imports the project's code (src/project/typescript.ts), so
// commands that never do (--help, status on a sluice.json project) do not pay for it.
import { existsSync } from 'node:fs'
import { register as registerHooks } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const fromSource = existsSync(join(root, 'tsconfig.json')) && existsSync(join(root, 'src', 'cli.ts'))
if (fromSource) {
  registerHooks('./source-conditions.mjs', import.meta.url)
  // Both loaders: a config in a folder whose package.json has no "type": "module" is CommonJS to Node,
  // and tsx's ESM hooks hand such a file to the CommonJS loader.
  const { register } = await import('tsx/esm/api')
  register()
  const cjs = await import('tsx/cjs/api')
  cjs.register()
  await import('../src/cli.ts')
} else {
  await import('../dist/cli.js')
}
