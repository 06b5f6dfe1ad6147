import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Tree } from '@nx/devkit'
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing'
import { describe, expect, it } from 'vitest'

/**
 * The guide's walk-through names real things: the files a scaffold has, the scripts its commands run,
 * the kit's check groups. (scaffold-e2e.test.ts runs the loop itself on fresh scaffolds.)
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const guide = readFileSync(join(repo, 'docs/writing-a-connector.md'), 'utf8')
type Generator = (tree: Tree, options: Record<string, unknown>) => Promise<() => void>
const generator = createRequire(import.meta.url)('../src/connector/generator.cjs') as Generator
const commands = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
  m[1]!.split('\n').map((line) => line.replace(/#.*$/, '').trim()),
)

describe('docs/writing-a-connector.md', () => {
  it('lists the files an author edits, and a scaffold has each', async () => {
    const tree = createTreeWithEmptyWorkspace()
    await generator(tree, { name: 'acme', skipInstall: true })
    const files = [...guide.matchAll(/^\| `((?:src|test)\/[^`]+)` \|/gm)].map((m) => m[1]!)
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const file of files) expect(tree.exists(`connectors/destination-acme/${file}`), file).toBe(true)
  })

  it("runs only scripts that exist: the root's, the scaffold's and the runner's commands", async () => {
    const tree = createTreeWithEmptyWorkspace()
    await generator(tree, { name: 'acme', skipInstall: true })
    const scaffold = JSON.parse(tree.read('connectors/destination-acme/package.json', 'utf8')!)
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
    const runnerCommands = readFileSync(join(repo, 'apps/runner/src/commands/connectors.ts'), 'utf8')
    let checked = 0
    for (const command of commands) {
      const filtered = /pnpm@[\d.]+ --filter @sluice\/destination-acme (\S+)/.exec(command)
      const rooted = /pnpm@[\d.]+ (?!--filter)(\S+)/.exec(command)
      const script = /^node (tooling\/\S+)/.exec(command)
      if (filtered) expect(scaffold.scripts, command).toHaveProperty(filtered[1]!)
      else if (rooted) expect(root.scripts, command).toHaveProperty(rooted[1]!)
      else if (script) expect(existsSync(join(repo, script[1]!)), command).toBe(true)
      else if (command.startsWith('sluice connectors add'))
        expect(runnerCommands).toContain("name: 'connectors add'")
      else continue
      checked += 1
    }
    expect(checked).toBeGreaterThanOrEqual(9)
  })

  it("explains every group of the kit's checks", async () => {
    const { CHECKS } = (await import(join(repo, 'packages/conformance/src/kit/checks.ts'))) as {
      CHECKS: Array<{ group: string }>
    }
    for (const group of new Set(CHECKS.map((c) => c.group))) expect(guide).toContain(`| ${group} |`)
  })
})
