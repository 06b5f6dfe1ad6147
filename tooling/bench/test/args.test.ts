import { describe, expect, it } from 'vitest'
import { parseArgs } from '../src/harness/args.js'

describe('parseArgs', () => {
  it('reads --quick and --only in both spellings, ignoring the -- turbo passes on', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: [] })
    expect(parseArgs(['--', '--quick', '--only=diff,engine'])).toEqual({
      quick: true,
      only: ['diff', 'engine'],
    })
    expect(parseArgs(['--only', 'http'])).toEqual({ quick: false, only: ['http'] })
  })

  it('names an unknown argument', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument "--fast"/)
    expect(() => parseArgs(['--only'])).toThrow(/comma-separated/)
  })
})
