import type { TSchema } from 'typebox'
import { SluiceError } from '../errors.js'
import type { DestinationConnector, DestinationDefinition } from './destination.js'
import { BEHAVIOURS, DELETE_BEHAVIOURS } from './records.js'
import type { SourceConnector, SourceDefinition } from './source.js'

/**
 * Declares a destination connector. It infers the config type from the typebox schema and checks the
 * declaration itself, so a connector with impossible capabilities fails when it is loaded, not mid-run.
 */
export function defineDestination<S extends TSchema>(
  definition: DestinationDefinition<S>,
): DestinationConnector<S> {
  const problems = destinationProblems(definition)
  if (problems.length > 0) {
    throw new SluiceError(
      'config',
      `destination "${definition.name}" is not a valid connector: ${problems.join('; ')}`,
      {
        code: 'INVALID_CONNECTOR',
      },
    )
  }
  return Object.freeze({ ...definition, kind: 'destination' as const })
}

export function defineSource<S extends TSchema>(definition: SourceDefinition<S>): SourceConnector<S> {
  const problems = sourceProblems(definition)
  if (problems.length > 0) {
    throw new SluiceError(
      'config',
      `source "${definition.name}" is not a valid connector: ${problems.join('; ')}`,
      {
        code: 'INVALID_CONNECTOR',
      },
    )
  }
  return Object.freeze({ ...definition, kind: 'source' as const })
}

/** What is missing or wrong in something that claims to be a destination connector (empty when fine). */
export function destinationProblems(candidate: unknown): string[] {
  const problems = commonProblems(candidate)
  if (problems.length > 0) return problems
  const d = candidate as Partial<DestinationDefinition>
  const caps = d.capabilities
  if (!caps || typeof caps !== 'object') return ['capabilities is missing']
  const knownBehaviour = (b: unknown) => (BEHAVIOURS as readonly unknown[]).includes(b)
  if (!Array.isArray(caps.behaviours)) problems.push('capabilities.behaviours must be an array')
  else
    for (const b of caps.behaviours)
      if (!knownBehaviour(b)) problems.push(`capabilities.behaviours has unknown "${b}"`)
  for (const [object, spec] of Object.entries(caps.objects ?? {})) {
    for (const b of spec.behaviours ?? []) {
      if (!knownBehaviour(b)) problems.push(`capabilities.objects.${object}.behaviours has unknown "${b}"`)
    }
  }
  for (const b of caps.deleteBehaviours ?? []) {
    if (!(DELETE_BEHAVIOURS as readonly unknown[]).includes(b))
      problems.push(`capabilities.deleteBehaviours has unknown "${b}"`)
  }
  if (!Number.isInteger(caps.batchSize) || caps.batchSize < 1)
    problems.push('capabilities.batchSize must be a whole number ≥ 1')
  if (!Number.isInteger(caps.concurrency) || caps.concurrency < 1)
    problems.push('capabilities.concurrency must be a whole number ≥ 1')
  if (caps.rateLimit && !(caps.rateLimit.requests > 0 && caps.rateLimit.perMs > 0)) {
    problems.push('capabilities.rateLimit needs positive requests and perMs')
  }
  return problems
}

export function sourceProblems(candidate: unknown): string[] {
  const problems = commonProblems(candidate)
  if (problems.length > 0) return problems
  const s = candidate as Partial<SourceDefinition>
  if (!s.capabilities || typeof s.capabilities !== 'object') problems.push('capabilities is missing')
  return problems
}

function commonProblems(candidate: unknown): string[] {
  if (!candidate || typeof candidate !== 'object') return ['it is not an object']
  const c = candidate as Record<string, unknown>
  const problems: string[] = []
  if (typeof c.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(c.name))
    problems.push('name must be a lower-case id like "braze"')
  if (!c.config || typeof c.config !== 'object') problems.push('config schema is missing')
  if (typeof c.connect !== 'function') problems.push('connect(config, ctx) is missing')
  return problems
}
