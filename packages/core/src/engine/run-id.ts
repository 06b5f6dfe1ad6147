import { randomBytes } from 'node:crypto'

/** A run id that sorts by start time and is safe in file names: `20261128T203045123Z-1a2b3c`. */
export function newRunId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}
