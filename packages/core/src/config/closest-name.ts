/**
 * Edit distance counting a swap of two neighbouring characters as one edit (optimal string alignment):
 * `Emial` is one slip from `Email`, not two.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, before[j - 2]! + 1)
      current[j] = best
    }
    before = previous
    previous = current
  }
  return previous[b.length]!
}

/**
 * The name closest to what was written, if it is close enough to be what was meant: at most a third of
 * the longer name wrong, ignoring case (`lastname` for `LastName`).
 */
export function closestName(written: string, names: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of names) {
    const distance = editDistance(written.toLowerCase(), name.toLowerCase())
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  if (best === undefined) return undefined
  return bestDistance <= Math.max(1, Math.floor(Math.max(written.length, best.length) / 3)) ? best : undefined
}
