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
