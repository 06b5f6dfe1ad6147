/** The median of a non-empty list: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Seconds elapsed since a `performance.now()` reading. */
export function secondsSince(startMs: number): number {
  return (performance.now() - startMs) / 1000
}

/** Rounds for display and for the results file: 3 significant digits is all a noisy machine gives. */
export function roundTo(value: number, significant = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value
  return Number(value.toPrecision(significant))
}

/** The nearest-rank percentile (`p` in 0–100) of a non-empty list: the smallest value ≥ p% of them. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list')
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is not between 0 and 100`)
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
}
