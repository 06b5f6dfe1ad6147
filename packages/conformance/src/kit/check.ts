import type { Behaviour, Value } from '@sluice/core/contract'
import type { Harness } from './harness.js'

/**
 * What a check relies on that not every destination has. A destination names the ones that do not
 * apply to it (`doesNotApply`), with its reason; the checks are then listed as not applying, not run.
 */
export const CONCERNS = {
  recordRejections: 'the API refuses single records of a request, with a reason for each',
  requestSize: 'records travel in requests the fake counts, so a batch size bounds them',
  acknowledgements: 'an answer body acknowledges the records (so a malformed 2xx must not)',
  discoverFields: 'discover lists the fields of an object',
  tokenRefresh: 'the API expires tokens, answering 401, and the connector obtains new ones',
} as const
export type Concern = keyof typeof CONCERNS

/** One conformance check: a row of the matrix and one test in each connector's suite. */
export interface Check {
  /** the group it is listed under (`config`, `behaviours` …) */
  group: string
  /** the test's title and the matrix row; stable across releases */
  title: string
  /** what it relies on that a destination may declare does not apply to it */
  concern?: Concern
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
  return (h: Harness) => {
    if (h.options.behaviours.has(behaviour)) return undefined
    const declared = h.options.connector.capabilities.behaviours.includes(behaviour)
    return declared && h.options.variant
      ? `not offered in ${h.options.variant}, which offers ${[...h.options.behaviours].join(', ')}`
      : `not declared: the connector has no "${behaviour}" behaviour for ${h.options.object}`
  }
}

export function needsSeed(h: Harness): string | undefined {
  return h.seedOperation
    ? undefined
    : 'not declared: the connector can neither upsert, create nor append records'
}

export function both(...reasons: Array<(h: Harness) => string | undefined>) {
  return (h: Harness) => reasons.map((r) => r(h)).find((r) => r !== undefined)
}
