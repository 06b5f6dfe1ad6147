import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

interface Suite {
  package: string
  column: string
  ranAt?: string
  passed: number
  failed: number
  skipped: number
  checks: Map<string, { status: string; note: string }>
}

describe('the conformance matrix', () => {
  it('has a row per check, a column per suite, and the reasons for what failed or does not apply', async () => {
    const { renderMatrix } = (await import(join(repo, 'tooling/scripts/conformance-matrix.mjs'))) as {
      renderMatrix: (suites: Suite[]) => string
    }
    const suites: Suite[] = [
      {
        package: '@sluice/destination-a',
        column: 'destination-a (users)',
        ranAt: '2026-01-01T00:00:00.000Z',
        passed: 1,
        failed: 1,
        skipped: 1,
        checks: new Map([
          ['check passes with good credentials', { status: 'passed', note: '' }],
          ['upsert: records arrive as mapped', { status: 'failed', note: 'record 1 is missing' }],
          ['append: adds every record', { status: 'skipped', note: 'not declared' }],
        ]),
      },
      {
        package: '@sluice/destination-b',
        column: 'destination-b',
        passed: 0,
        failed: 0,
        skipped: 0,
        checks: new Map(),
      },
    ]
    const text = renderMatrix(suites)
    expect(text).toContain(
      '| destination-a (users) | @sluice/destination-a | 1 | 1 | 1 | 2026-01-01T00:00:00.000Z |',
    )
    expect(text).toContain('| destination-b | @sluice/destination-b | – | – | – | not run |')
    expect(text).toContain('| check | destination-a (users) | destination-b |')
    expect(text).toContain('| check passes with good credentials | ✅ | · |')
    expect(text).toContain('| upsert: records arrive as mapped | ❌ | · |')
    expect(text).toContain('| append: adds every record | ➖ | · |')
    expect(text).toContain(
      '- destination-a (users), upsert: records arrive as mapped: failed: record 1 is missing',
    )
    expect(text).toContain('- destination-a (users), append: adds every record: not declared')
  })
})

/**
 * CONFORMANCE.md and MARKETPLACE.md are generated and committed. The run times and results come from
 * runs no test repeats, but the rest is fixed by what is checked in: these fail when the files are stale.
 */
describe('the committed matrix and catalog', () => {
  const scripts = async () => ({
    matrix: (await import(join(repo, 'tooling/scripts/conformance-matrix.mjs'))) as {
      MATRIX_FILE: string
      parseMatrix: (text: string) => Suite[]
      renderMatrix: (suites: Suite[]) => string
    },
    catalog: (await import(join(repo, 'tooling/scripts/marketplace.mjs'))) as {
      TABLE_FILE: string
      buildCatalog: (options: { fromMatrix: boolean }) => unknown
      renderTable: (catalog: unknown) => string
    },
  })

  it('CONFORMANCE.md is as the script writes it, with a row per check of the kit and every check in every suite', async () => {
    const { matrix } = await scripts()
    const text = readFileSync(matrix.MATRIX_FILE, 'utf8')
    const suites = matrix.parseMatrix(text)
    expect(matrix.renderMatrix(suites), 'edited by hand? run `pnpm conformance`').toBe(text)

    const { CHECKS } = (await import(join(repo, 'packages/conformance/src/kit/checks.ts'))) as {
      CHECKS: Array<{ title: string }>
    }
    const titles = CHECKS.map((c) => c.title)
    for (const suite of suites) {
      expect([...suite.checks.keys()].sort(), `${suite.column} ran another kit: run its conformance`).toEqual(
        [...titles].sort(),
      )
      expect(suite.passed + suite.failed + suite.skipped).toBe(titles.length)
    }
    // a suite per connector with a conformance script
    const withSuite = readdirSync(join(repo, 'connectors'))
      .map((name) => join(repo, 'connectors', name, 'package.json'))
      .filter((file) => existsSync(file))
      .map(
        (file) =>
          JSON.parse(readFileSync(file, 'utf8')) as { name: string; scripts?: Record<string, string> },
      )
      .filter((pkg) => pkg.scripts?.conformance)
      .map((pkg) => pkg.name)
    expect([...new Set(suites.map((s) => s.package))].sort()).toEqual(withSuite.sort())
  })

  it('regenerating keeps the committed results of every connector whose suite did not run here', async () => {
    const script = (await import(join(repo, 'tooling/scripts/conformance-matrix.mjs'))) as {
      MATRIX_FILE: string
      parseMatrix: (text: string) => Suite[]
      readConformance: () => Suite[]
    }
    const committed = script.parseMatrix(readFileSync(script.MATRIX_FILE, 'utf8'))
    const current = script.readConformance()
    const notRunHere = (pkg: string) =>
      !existsSync(join(repo, 'connectors', pkg.split('/').pop()!, '.reports', 'conformance.json'))
    for (const pkg of new Set(committed.map((s) => s.package)))
      if (notRunHere(pkg))
        expect(
          current.filter((s) => s.package === pkg),
          `${pkg} lost its committed results`,
        ).toEqual(committed.filter((s) => s.package === pkg))
  })

  it('MARKETPLACE.md is what the script makes of the manifests and the committed matrix', async () => {
    const { catalog } = await scripts()
    expect(readFileSync(catalog.TABLE_FILE, 'utf8'), 'run `pnpm marketplace`').toBe(
      catalog.renderTable(catalog.buildCatalog({ fromMatrix: true })),
    )
  })
})
