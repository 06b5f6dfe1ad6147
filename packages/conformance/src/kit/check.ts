import type { Behaviour, Value } from '@sluice/core/contract'
import type { Harness } from './harness.js'

/** One conformance check: a row of the matrix and one test in each connector's suite. */
export interface Check {
  /** the group it is listed under (`config`, `behaviours` …) */
  group: string
  /** the test's title and the matrix row; stable across releases */
  title: string
  /** why the check does not apply to this connector (it is then skipped with that reason) */
  skip?: (h: Harness) => string | undefined
  timeoutMs?: number
  run: (h: Harness) => Promise<void>
}

/** Sample records `from` … `from + count - 1`. */
export function samples(h: Harness, from: number, count: number): Array<Record<string, Value>> {
  return Array.from({ length: count }, (_, i) => h.options.record(from + i))
}

/** The same records as `base` (same identifiers) with the other values of records `from` …. */
export function changed(
  h: Harness,
  base: Array<Record<string, Value>>,
  from: number,
): Array<Record<string, Value>> {
  const id = h.options.identifierField
  return base.map((fields, i) => ({ ...h.options.record(from + i), [id]: fields[id]! }))
}

export function requires(behaviour: Behaviour) {
  return (h: Harness) =>
    h.options.behaviours.has(behaviour)
      ? undefined
      : `not declared: the connector has no "${behaviour}" behaviour for ${h.options.object}`
}

export function needsSeed(h: Harness): string | undefined {
  return h.seedOperation
    ? undefined
    : 'not declared: the connector can neither upsert, create nor append records'
}

export function both(...reasons: Array<(h: Harness) => string | undefined>) {
  return (h: Harness) => reasons.map((r) => r(h)).find((r) => r !== undefined)
}
