import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'

let dir: Awaited<ReturnType<typeof tempDir>>
beforeEach(async () => {
  dir = await tempDir()
})
afterEach(() => dir.remove())

const EMPTY_PROJECT = `
const sources: Record<string, never> = {}
export default { sources, destinations: {}, models: {}, syncs: {} }
`

describe('a sluice.config.ts', () => {
  // Node treats a .ts file as CommonJS when the nearest package.json does not say "type": "module".
  for (const pkg of [{ name: 'commonjs-project' }, { name: 'esm-project', type: 'module' }, undefined]) {
    it(`loads with ${pkg ? JSON.stringify(pkg) : 'no package.json'}`, async () => {
      if (pkg) await writeFile(join(dir.path, 'package.json'), JSON.stringify(pkg))
      await writeFile(join(dir.path, 'sluice.config.ts'), EMPTY_PROJECT)
      const result = await sluice(['validate'], { cwd: dir.path })
      expect(result.stdout).toContain('sluice.config.ts is valid')
      expect(result.code).toBe(0)
    })
  }

  it('names the line of a syntax error', async () => {
    await writeFile(join(dir.path, 'package.json'), '{}')
    await writeFile(
      join(dir.path, 'sluice.config.ts'),
      'const a: number = 1\nconst b = {\nexport default { sources: {} }\n',
    )
    const result = await sluice(['validate'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/sluice\.config\.ts[\s\S]*line 3, column \d+: Expected/)
  })

  it('names the line where the module threw while loading', async () => {
    await writeFile(
      join(dir.path, 'sluice.config.ts'),
      'const a: number = 1\nthrow new Error("no warehouse configured")\nexport default {}\n',
    )
    const result = await sluice(['validate'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('line 2, column 7: no warehouse configured')
  })
})
