import type { TSchema } from 'typebox'
import { capabilitiesOf } from '../contract/define.js'
import type { DestinationCapabilities, DestinationConnector } from '../contract/destination.js'
import type { SourceConnector } from '../contract/source.js'
import { describeValue, oneOf, type Problem, pointer } from './errors.js'
import { explain, type ShowValue } from './explain.js'
import type { DestinationConfig, ProjectConfig, SourceConfig, SyncConfig } from './schema.js'
import type { Soundness } from './validate.js'

/**
 * The connectors the runner loaded, by type (`braze`, `duckdb`). Given to validation, they let it
 * check each connector's own config block and what each sync asks of its destination.
 */
export interface LoadedConnectors {
  destinations?: Readonly<Record<string, DestinationConnector>>
  sources?: Readonly<Record<string, SourceConnector>>
}

type Show = ShowValue

export function connectorProblems(
  config: ProjectConfig,
  connectors: LoadedConnectors,
  { sound, intact }: Soundness,
  show: Show,
): Problem[] {
  const problems: Problem[] = []
  if (connectors.sources) {
    for (const [name, source] of Object.entries(config.sources)) {
      const path = pointer('/sources', name)
      if (sound(path)) problems.push(...blockProblems(source, path, connectors.sources, 'source', show))
    }
  }
  if (connectors.destinations) {
    for (const [name, destination] of Object.entries(config.destinations)) {
      const path = pointer('/destinations', name)
      if (sound(path))
        problems.push(...blockProblems(destination, path, connectors.destinations, 'destination', show))
    }
    for (const [name, sync] of Object.entries(config.syncs)) {
      const path = pointer('/syncs', name)
      if (!intact(path)) continue
      const destination = Object.hasOwn(config.destinations, sync.destination)
        ? config.destinations[sync.destination]
        : undefined
      const connector = destination && connectors.destinations[destination.type]
      if (connector && sound(pointer(path, 'object'))) {
        const caps = configuredCapabilities(connector, destination.config)
        problems.push(...capabilityProblems(sync, path, { ...connector, capabilities: caps }, sound))
      }
    }
  }
  return problems
}

/** The connector type exists, and the `config` block satisfies that connector's schema. */
function blockProblems(
  block: SourceConfig | DestinationConfig,
  path: string,
  available: Readonly<Record<string, { config: TSchema }>>,
  kind: string,
  show: Show,
): Problem[] {
  const connector = Object.hasOwn(available, block.type) ? available[block.type] : undefined
  if (!connector) {
    const types = Object.keys(available)
    return [
      {
        path: pointer(path, 'type'),
        expected:
          types.length === 0
            ? `a ${kind} connector, but none is installed`
            : `a ${kind} connector: ${oneOf(types)}`,
        found: describeValue(block.type),
      },
    ]
  }
  const configPath = pointer(path, 'config')
  const secrets = secretPaths(connector.config, block.config ?? {}, configPath)
  const hide: Show = (at, value) =>
    secrets.has(at) && value !== undefined ? 'a hidden value' : show(at, value)
  return explain(connector.config, block.config ?? {}, configPath, hide)
}

/**
 * The capabilities of the destination as configured (`capabilitiesFor`), else the declared ones: a
 * config that cannot give any (it is invalid, which its own problems say) is checked against those.
 */
function configuredCapabilities(connector: DestinationConnector, config: unknown): DestinationCapabilities {
  try {
    return capabilitiesOf(connector, (config ?? {}) as never)
  } catch {
    return connector.capabilities
  }
}

/** Whether the destination can do what the sync asks: behaviour, delete behaviour, batch limits. */
function capabilityProblems(
  sync: SyncConfig,
  path: string,
  connector: DestinationConnector,
  sound: (path: string) => boolean,
): Problem[] {
  const problems: Problem[] = []
  const fine = (...keys: string[]) => keys.every((key) => sound(pointer(path, key)))
  const caps = connector.capabilities
  const objectBehaviours = caps.objects?.[sync.object]?.behaviours
  const behaviours = objectBehaviours ?? caps.behaviours
  if (fine('behaviour') && !behaviours.includes(sync.behaviour)) {
    const scope = objectBehaviours
      ? `${connector.name} supports for object ${describeValue(sync.object)}`
      : `${connector.name} supports`
    problems.push({
      path: pointer(path, 'behaviour'),
      expected: `a behaviour ${scope}: ${oneOf(behaviours)}`,
      found: describeValue(sync.behaviour),
    })
  }
  if (sync.behaviour === 'mirror' && caps.deleteBehaviours && fine('behaviour', 'deleteBehaviour')) {
    const wanted = sync.deleteBehaviour ?? 'delete'
    if (!caps.deleteBehaviours.includes(wanted)) {
      problems.push({
        path: pointer(path, 'deleteBehaviour'),
        expected: `a delete behaviour ${connector.name} supports: ${oneOf(caps.deleteBehaviours)}`,
        found: sync.deleteBehaviour === undefined ? 'nothing, which means "delete"' : describeValue(wanted),
      })
    }
  }
  if (sync.syncAllProperties === true && !caps.syncAllProperties) {
    problems.push({
      path: pointer(path, 'syncAllProperties'),
      expected: `false, because ${connector.name} cannot create missing fields`,
      found: 'true',
    })
  }
  if (fine('batching')) problems.push(...batchingProblems(sync, path, connector))
  return problems
}

function batchingProblems(sync: SyncConfig, path: string, connector: DestinationConnector): Problem[] {
  const problems: Problem[] = []
  const caps = connector.capabilities
  const size = sync.batching?.size
  if (size !== undefined && size > caps.batchSize) {
    problems.push({
      path: `${pointer(path, 'batching')}/size`,
      expected: `at most ${caps.batchSize}, the largest batch ${connector.name} accepts`,
      found: String(size),
    })
  }
  const concurrency = sync.batching?.concurrency
  if (concurrency !== undefined && concurrency > caps.concurrency) {
    problems.push({
      path: `${pointer(path, 'batching')}/concurrency`,
      expected: `at most ${caps.concurrency}, the most requests ${connector.name} allows at once`,
      found: String(concurrency),
    })
  }
  return problems
}

/** Pointers to the values in a config whose schema marks them `secret: true`. */
export function secretPaths(
  schema: TSchema,
  value: unknown,
  path: string,
  out = new Set<string>(),
): Set<string> {
  const s = schema as Record<string, unknown>
  if (s.secret === true) out.add(path)
  if (typeof value !== 'object' || value === null) return out
  if (Array.isArray(value) && s.items) {
    for (const [index, item] of value.entries())
      secretPaths(s.items as TSchema, item, pointer(path, index), out)
  }
  const properties = (s.properties ?? {}) as Record<string, TSchema>
  for (const [key, child] of Object.entries(properties)) {
    secretPaths(child, (value as Record<string, unknown>)[key], pointer(path, key), out)
  }
  // A record (`syncs`, `destinations`): every entry follows the one schema its pattern gives.
  const entries = [
    ...Object.values((s.patternProperties ?? {}) as Record<string, TSchema>),
    ...(typeof s.additionalProperties === 'object' ? [s.additionalProperties as TSchema] : []),
  ]
  for (const entry of entries) {
    for (const [key, child] of Object.entries(value)) {
      if (!Object.hasOwn(properties, key)) secretPaths(entry, child, pointer(path, key), out)
    }
  }
  for (const branch of (s.anyOf ?? []) as TSchema[]) secretPaths(branch, value, path, out)
  return out
}
