import { describe, expect, it } from 'vitest'
import { median, roundTo } from '../src/harness/stats.js'

describe('median', () => {
  it('takes the middle of an odd number of values, whatever their order', () => {
    expect(median([9, 1, 5])).toBe(5)
    expect(median([3.5])).toBe(3.5)
  })

  it('averages the two middle values of an even number', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('is not moved by one outlier, which is why figures report it', () => {
    expect(median([1.01, 0.99, 57])).toBe(1.01)
  })

  it('does not reorder the caller’s list', () => {
    const values = [3, 1, 2]
    median(values)
    expect(values).toEqual([3, 1, 2])
  })

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(/empty/)
  })
})

describe('roundTo', () => {
  it('keeps three significant digits', () => {
    expect(roundTo(123_456)).toBe(123_000)
    expect(roundTo(0.012345)).toBe(0.0123)
    expect(roundTo(0)).toBe(0)
  })
})
