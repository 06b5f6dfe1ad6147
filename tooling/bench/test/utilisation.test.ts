import { describe, expect, it } from 'vitest'
import { quotaWindows, utilisation } from '../src/workloads/utilisation.js'

const limit = { requests: 4, perMs: 100 }

/** `perWindow[i]` accepted requests spread over window `start + i`. */
function arrivals(start: number, perWindow: number[], status = 200) {
  return perWindow.flatMap((n, i) =>
    Array.from({ length: n }, (_, k) => ({ at: (start + i) * 100 + Math.floor((k * 100) / n), status })),
  )
}

describe('utilisation', () => {
  it('is 1 when every whole window used its whole quota, whatever the partial ends did', () => {
    expect(utilisation(arrivals(1000, [1, 4, 4, 4, 2]), limit)).toBe(1)
  })

  it('is the share of the quota used in the whole windows', () => {
    expect(utilisation(arrivals(1000, [4, 2, 2, 2, 4]), limit)).toBe(0.5)
  })

  it('counts windows in which nothing was sent as unused', () => {
    expect(utilisation(arrivals(1000, [4, 4, 0, 4, 4]), limit)).toBeCloseTo(2 / 3)
  })

  it('does not count refused requests as used', () => {
    const refused = arrivals(1001, [2, 2, 2], 429)
    expect(utilisation([...arrivals(1000, [4, 2, 2, 2, 4]), ...refused], limit)).toBe(0.5)
  })

  it('has nothing to say about a run shorter than three windows', () => {
    expect(utilisation(arrivals(1000, [4, 4]), limit)).toBeNull()
    expect(utilisation([], limit)).toBeNull()
  })
})

describe('quotaWindows', () => {
  it('counts the whole windows that were full and those left empty', () => {
    expect(quotaWindows(arrivals(1000, [1, 4, 0, 3, 4, 2]), limit)).toEqual({
      share: 11 / 16,
      windows: 4,
      full: 2,
      empty: 1,
    })
  })
})
