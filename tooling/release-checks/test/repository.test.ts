import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO, run } from '../src/workspace.js'

/** A command's exit code and everything it printed, never throwing, so a failure shows the tool's report. */
async function outcome(file: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, output: `${stdout}${stderr}` }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string }
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      output: `${e.stdout ?? ''}${e.stderr ?? e.message}`,
    }
  }
}

describe('the repository', () => {
  it('keeps its import boundaries (dependency-cruiser, .dependency-cruiser.cjs)', async () => {
    const result = await outcome(join(REPO, 'node_modules/.bin/depcruise'), [
      'packages',
      'connectors',
      'apps',
      'tooling',
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
    ])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/no dependency violations found/)
  })

  it('has only changesets that parse and name published packages', async () => {
    const result = await outcome(process.execPath, ['tooling/scripts/check-changesets.mjs'])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/\d+ changesets, 0 problems/)
  })
})
