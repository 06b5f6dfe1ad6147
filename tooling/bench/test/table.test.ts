import { describe, expect, it } from 'vitest'
import type { Measurement, Target } from '../src/harness/figure.js'
import { formatTable, formatValue, verdict } from '../src/harness/table.js'

const under20s: Target = { text: '< 20 s', met: (v) => v < 20, scaleFree: false }
const within20pct: Target = {
  text: '≤ 1.2 × 1M',
  met: (v, all) => {
    const small = all.get('small')
    return typeof small === 'number' ? v <= 1.2 * small : undefined
  },
  scaleFree: true,
}

const rows: Measurement[] = [
  { key: 'diff', label: 'diff, 10M rows', value: 12.3456, unit: 's', target: under20s },
  { key: 'small', label: 'memory, 1M', value: 200, unit: 'MB' },
  { key: 'large', label: 'memory, 10M', value: 260, unit: 'MB', target: within20pct },
  { key: 'http', label: 'over raw HTTP', value: null, unit: '×', note: 'the Braze fake has not landed' },
]

describe('verdict', () => {
  const all = new Map(rows.map((m) => [m.key, m.value]))

  it('judges a value against its target', () => {
    expect(verdict(rows[0]!, all, 1)).toBe('yes')
    expect(verdict({ ...rows[0]!, value: 25 }, all, 1)).toBe('no')
  })

  it('reads other figures for a relative target', () => {
    expect(verdict(rows[2]!, all, 1)).toBe('no')
    expect(verdict({ ...rows[2]!, value: 240 }, all, 1)).toBe('yes')
  })

  it('does not judge absolute targets at a reduced scale, but still judges ratios', () => {
    expect(verdict(rows[0]!, all, 0.1)).toBe('n/a')
    expect(verdict({ ...rows[2]!, value: 240 }, all, 0.1)).toBe('yes')
  })

  it('says n/a when the figure a relative target reads was not measured', () => {
    const withoutSmall = new Map(all)
    withoutSmall.set('small', null)
    expect(verdict(rows[2]!, withoutSmall, 1)).toBe('n/a')
  })

  it('says n/a when there is no value and nothing when there is no target', () => {
    expect(verdict({ ...rows[3]!, target: under20s }, all, 1)).toBe('n/a')
    expect(verdict(rows[1]!, all, 1)).toBe('')
  })
})

describe('formatTable', () => {
  it('prints one aligned row per figure with value, target and verdict', () => {
    const lines = formatTable(rows, 1).split('\n')
    expect(lines[0]).toMatch(/^figure\s+value\s+target\s+met$/)
    expect(lines[2]).toMatch(/^diff, 10M rows\s+12\.3 s\s+< 20 s\s+yes$/)
    expect(lines[4]).toMatch(/^memory, 10M\s+260 MB\s+≤ 1\.2 × 1M\s+no$/)
    // every column starts at the same offset on every row
    const valueColumn = lines[0]!.indexOf('value')
    for (const line of lines.slice(2, 6)) expect(line[valueColumn - 1]).toBe(' ')
    expect(lines[2]!.indexOf('12.3')).toBe(valueColumn)
  })

  it('prints the reason instead of a value when a figure was not measured', () => {
    expect(formatTable(rows, 1)).toContain('not measured: the Braze fake has not landed')
  })

  it('shortens a long reason in the table and gives it whole, once, in the notes', () => {
    const reason = `the engine failed: ${'x'.repeat(100)}`
    const failed: Measurement[] = [
      { key: 'a', label: 'a', value: null, unit: 's', note: reason },
      { key: 'b', label: 'b', value: null, unit: 's', note: reason },
    ]
    const text = formatTable(failed, 1)
    const [, , first] = text.split('\n')
    expect(first!.length).toBeLessThan(90)
    expect(first).toContain('…')
    expect(text.split(reason).length - 1).toBe(1)
  })

  it('says when targets are not judged because of the scale', () => {
    expect(formatTable(rows, 0.1)).toMatch(/scale 0\.1/)
    expect(formatTable(rows, 1)).not.toMatch(/scale 1:/)
  })
})

describe('formatValue', () => {
  it('separates thousands and keeps three significant digits', () => {
    expect(formatValue(123_456.7, 'records/s')).toBe('123,000 records/s')
    expect(formatValue(0.04321, '')).toBe('0.0432')
    expect(formatValue(92.44, '%')).toBe('92.4%')
  })
})
