import { inspect } from 'node:util'
import { isSluiceError, type RecordResult, type SluiceError, type Value } from '@sluice/core/contract'
import { expect } from 'vitest'
import type { Harness } from './harness.js'

/** Every record succeeded; otherwise the failure names the first refusal and its reason. */
export function expectAllSucceeded(results: RecordResult[]): void {
  const refused = results.findIndex((r) => r.status !== 'succeeded')
  const reason = refused >= 0 ? (results[refused] as { reason?: string }).reason : undefined
  expect(refused, `record ${refused} was rejected: ${reason}`).toBe(-1)
}

/**
 * The fake holds each record as the mapping says it should arrive (`stored()` of its fields): every
 * expected value is there, and an expected NULL is absent or null, at any depth.
 */
export async function expectStored(h: Harness, fieldsList: Array<Record<string, Value>>): Promise<void> {
  const records = await h.records()
  for (const fields of fieldsList) {
    const id = String(fields[h.options.identifierField])
    const stored = h.find(fields, records)
    expect(stored, `record ${id} is missing`).toBeDefined()
    expectHolds(stored, h.options.stored(fields), `record ${id}`)
  }
}

const SHAPE_HINT =
  ' is absent (when the API keeps records in another shape, describe it with the `stored` option)'

function expectHolds(actual: unknown, expected: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(expected)) {
    const path = `${where}.${key}`
    const found = (actual as Record<string, unknown> | undefined)?.[key]
    if (value === null || value === undefined) expect(found ?? null, `${path} should be NULL`).toBeNull()
    else if (typeof value === 'object' && !Array.isArray(value))
      expectHolds(found, value as Record<string, unknown>, path)
    else expect(found, found === undefined ? `${path}${SHAPE_HINT}` : path).toEqual(value)
  }
}

/** Awaits a promise that must fail with a SluiceError, and returns that error. */
export async function expectSluiceError(promise: Promise<unknown>): Promise<SluiceError> {
  let failure: unknown
  try {
    await promise
  } catch (error) {
    failure = error
  }
  expect(failure, 'expected an error, but the call succeeded').toBeDefined()
  expect(isSluiceError(failure), `expected a SluiceError, got: ${String(failure)}`).toBe(true)
  return failure as SluiceError
}

/** All an error could show a person: message, stack, details and causes, as printed. */
export function printed(error: unknown): string {
  const details = isSluiceError(error) ? JSON.stringify(error.details) : ''
  return `${inspect(error, { depth: 8 })}\n${details}`
}

export function expectNoSecret(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    expect(text.includes(secret), `a secret (${secret.slice(0, 2)}…) appears in ${where}`).toBe(false)
  }
}

/** The most arrivals within any `windowMs` span. */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    most = Math.max(most, end - start + 1)
  }
  return most
}
