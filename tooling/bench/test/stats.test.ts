import { describe, expect, it } from 'vitest'
import { median, percentile, roundTo } from '../src/harness/stats.js'

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

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)

  it('is the nearest rank: the smallest value at least p% of the values reach', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
    expect(percentile([7, 3, 5], 50)).toBe(5)
  })

  it('is the slowest of fewer than a hundred values at p99', () => {
    expect(percentile([12, 480, 15, 9], 99)).toBe(480)
  })

  it('is the smallest value at p0, and leaves the list as it was', () => {
    const values = [4, 2, 8]
    expect(percentile(values, 0)).toBe(2)
    expect(values).toEqual([4, 2, 8])
  })

  it('refuses an empty list or a percentile outside 0–100', () => {
    expect(() => percentile([], 50)).toThrow(/empty/)
    expect(() => percentile([1], 101)).toThrow(/between 0 and 100/)
  })
})
