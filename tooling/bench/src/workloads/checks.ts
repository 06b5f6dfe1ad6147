import type { EngineRunOutput } from './engine-run.js'

/**
 * A run that did not do what the figure assumes would be fast or slow for the wrong reason: refuse to
 * report it.
 */
export function expectRun(
  output: EngineRunOutput,
  what: string,
  expected: { status?: string; added?: number; changed?: number; writes?: number },
): void {
  const problems: string[] = []
  const status = expected.status ?? 'succeeded'
  if (output.status !== status)
    problems.push(`status ${output.status}${output.error ? ` (${output.error})` : ''}, expected ${status}`)
  if (expected.added !== undefined && output.counts.added !== expected.added)
    problems.push(`${output.counts.added} added, expected ${expected.added}`)
  if (expected.changed !== undefined && output.counts.changed !== expected.changed)
    problems.push(`${output.counts.changed} changed, expected ${expected.changed}`)
  if (expected.writes !== undefined && output.writes !== expected.writes)
    problems.push(`${output.writes} requests, expected ${expected.writes}`)
  if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`)
}
