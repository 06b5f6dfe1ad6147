import type { Static, TSchema } from 'typebox'
import { SluiceError } from '../errors.js'
import type { DestinationCapabilities, DestinationConnector, DestinationDefinition } from './destination.js'
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
  if (!d.capabilities || typeof d.capabilities !== 'object') return ['capabilities is missing']
  if (d.capabilitiesFor !== undefined && typeof d.capabilitiesFor !== 'function')
    problems.push('capabilitiesFor must be a function of the config')
  return [...problems, ...capabilityProblems(d.capabilities)]
}

/**
 * The capabilities of a destination configured with `config`: what `capabilitiesFor` computes from it,
 * else the declared ones. Computed capabilities are checked as declared ones are, and must stay within
 * the declared ones (no behaviour, batch size or concurrency beyond them).
 */
export function capabilitiesOf<S extends TSchema>(
  connector: Pick<DestinationDefinition<S>, 'name' | 'capabilities' | 'capabilitiesFor'>,
  config: Static<S>,
): DestinationCapabilities {
  if (!connector.capabilitiesFor) return connector.capabilities
  const caps = connector.capabilitiesFor(config)
  const declared = connector.capabilities
  const problems = capabilityProblems(caps)
  const extra = caps.behaviours.filter((b) => !declared.behaviours.includes(b))
  if (extra.length > 0) problems.push(`behaviours ${extra.join(', ')} are not declared`)
  if (caps.batchSize > declared.batchSize)
    problems.push(`batchSize is above the declared ${declared.batchSize}`)
  if (caps.concurrency > declared.concurrency)
    problems.push(`concurrency is above the declared ${declared.concurrency}`)
  if (problems.length > 0) {
    throw new SluiceError(
      'config',
      `destination "${connector.name}" computed impossible capabilities from its config: ${problems.join('; ')}`,
      { code: 'INVALID_CAPABILITIES', component: connector.name },
    )
  }
  return caps
}

function capabilityProblems(caps: DestinationCapabilities): string[] {
  const problems: string[] = []
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
