import type { TSchema } from 'typebox'
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest'
import type { Check } from './check.js'
import { CHECKS } from './checks.js'
import { Harness } from './harness.js'
import { type DestinationConformanceOptions, resolveOptions } from './options.js'

/** The title of a check that does not apply, carrying the reason into the report. */
export function skippedTitle(title: string, reason: string): string {
  return `${title} [skipped: ${reason}]`
}

/**
 * Registers the conformance suite for a destination: every check is its own test, run against the
 * connector's fake served on a real loopback port. A check that does not apply to the connector is
 * registered with the reason in its title and skipped at run time, so the report shows it.
 */
export function describeDestinationConformance<S extends TSchema>(
  options: DestinationConformanceOptions<S>,
): void {
  const resolved = resolveOptions(options)
  const h = new Harness(resolved)

  const variant = options.variant ? `, ${options.variant}` : ''
  describe(`conformance: destination ${options.connector.name}, object ${options.object}${variant}`, () => {
    beforeAll(() => h.start())
    afterAll(() => h.stop())
    beforeEach(() => h.reset())
    afterEach(() => h.closeDestinations())

    for (const check of CHECKS) register(h as unknown as Harness, check)
  })
}

function register(h: Harness, check: Check): void {
  // The skip reason needs only the connector's declarations, known before the host starts.
  const reason = notApplicable(h, check) ?? check.skip?.(h)
  if (reason !== undefined) {
    it(skippedTitle(check.title, reason), (ctx) => {
      ctx.skip(reason)
    })
    return
  }
  it(check.title, { timeout: check.timeoutMs ?? 30_000 }, () => check.run(h))
}

/** The reason a destination gave for a concern of the check not applying to it. */
function notApplicable(h: Harness, check: Check): string | undefined {
  const reason = check.concern ? h.options.doesNotApply?.[check.concern] : undefined
  return reason === undefined ? undefined : `does not apply: ${reason}`
}
