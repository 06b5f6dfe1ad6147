import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Tree } from '@nx/devkit'
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing'
import { describe, expect, it } from 'vitest'
import { SCAFFOLD_NAMES } from './scaffold-names.js'

/**
 * Whatever the connector is called, the scaffold is formatted and lint-clean as written: Biome checks
 * the generated files of a short, a long and a hyphenated name, in a folder with the repository's
 * Biome config. (scaffold-e2e.test.ts builds, typechecks and runs the conformance kit on one of them.)
 */
const run = promisify(execFile)
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
type Generator = (tree: Tree, options: Record<string, unknown>) => Promise<() => void>
const generator = createRequire(import.meta.url)('../src/connector/generator.cjs') as Generator

describe('a scaffold passes Biome whatever its name', () => {
  for (const name of SCAFFOLD_NAMES) {
    it(`destination-${name}`, async () => {
      const tree = createTreeWithEmptyWorkspace()
      await generator(tree, { name, skipInstall: true })
      const dir = await mkdtemp(join(tmpdir(), 'sluice-names-'))
      try {
        await cp(join(repo, 'biome.json'), join(dir, 'biome.json'))
        for (const change of tree.listChanges()) {
          if (!change.path.startsWith('connectors/') || change.type === 'DELETE') continue
          await mkdir(join(dir, dirname(change.path)), { recursive: true })
          await writeFile(join(dir, change.path), change.content!)
        }
        const biome = join(repo, 'node_modules/@biomejs/biome/bin/biome')
        const result = await run(
          process.execPath,
          [biome, 'check', '--no-errors-on-unmatched', 'connectors'],
          {
            cwd: dir,
          },
        ).catch((error: { stdout?: string; stderr?: string }) => error)
        expect('code' in result ? `${result.stdout}\n${result.stderr}` : '').toBe('')
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
  }
})
