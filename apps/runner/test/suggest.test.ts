import { describe, expect, it } from 'vitest'
import { closest, editDistance } from '../src/framework/suggest.js'
import { parseSince } from '../src/project/history.js'

describe('closest-match suggestions', () => {
  it('measures edits', () => {
    expect(editDistance('run', 'run')).toBe(0)
    expect(editDistance('rn', 'run')).toBe(1)
    expect(editDistance('dryrun', 'dry-run')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggests only what is close enough to be meant', () => {
    const commands = ['run', 'runs', 'records', 'reset', 'status', 'validate']
    expect(closest('rn', commands)).toBe('run')
    expect(closest('staus', commands)).toBe('status')
    expect(closest('valid', commands)).toBe('validate')
    expect(closest('frobnicate', commands)).toBeUndefined()
    expect(closest('x', commands)).toBeUndefined()
  })
})

describe('--since', () => {
  const now = Date.parse('2026-11-28T12:00:00Z')
  it('takes a duration back from now, or a date', () => {
    expect(parseSince('30m', now).toISOString()).toBe('2026-11-28T11:30:00.000Z')
    expect(parseSince('2d', now).toISOString()).toBe('2026-11-26T12:00:00.000Z')
    expect(parseSince('1w', now).toISOString()).toBe('2026-11-21T12:00:00.000Z')
    expect(parseSince('2026-11-01', now).toISOString()).toBe('2026-11-01T00:00:00.000Z')
  })

  it('refuses anything else with what it accepts', () => {
    expect(() => parseSince('yesterday', now)).toThrow(/neither a duration \(30m, 6h, 2d, 1w\) nor a date/)
  })
})
