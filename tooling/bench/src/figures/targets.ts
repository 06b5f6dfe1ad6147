import type { Target } from '../harness/figure.js'

/** Targets shared by several figures. */

export function below(limit: number, unit: string, scaleFree = false): Target {
  return { text: `< ${limit.toLocaleString('en-US')} ${unit}`.trimEnd(), met: (v) => v < limit, scaleFree }
}

export function atMost(limit: number, unit: string, scaleFree = true): Target {
  return { text: `≤ ${limit.toLocaleString('en-US')}${unit}`, met: (v) => v <= limit, scaleFree }
}

export function atLeast(limit: number, unit: string, scaleFree = false): Target {
  return { text: `≥ ${limit.toLocaleString('en-US')}${unit}`, met: (v) => v >= limit, scaleFree }
}

export function exactly(expected: number): Target {
  return { text: `= ${expected}`, met: (v) => v === expected, scaleFree: true }
}

/** Memory flat in the model's size: the larger run within `factor` of the smaller one's figure. */
export function within(factor: number, smallerKey: string, smallerLabel: string, cap?: number): Target {
  const capText = cap === undefined ? '' : ` and < ${cap} MB`
  return {
    text: `≤ ${factor} × ${smallerLabel}${capText}`,
    met: (v, all) => {
      const smaller = all.get(smallerKey)
      if (typeof smaller !== 'number') return undefined
      return v <= factor * smaller && (cap === undefined || v < cap)
    },
    scaleFree: true,
  }
}
