import {
  type Behaviour,
  capabilitiesOf,
  type DestinationCapabilities,
  type DestinationConnector,
  type Value,
} from '@sluice/core/contract'
import type { Static, TSchema } from 'typebox'
import type { DestinationFake, StorageFake } from '../types.js'
import type { Concern } from './check.js'

/**
 * What the conformance kit needs to know about one destination. Everything else it reads from the
 * connector itself (capabilities, config schema) and from the fake (records, counters, faults).
 */
export interface DestinationConformanceOptions<S extends TSchema = TSchema> {
  /** the connector under test, as its package exports it */
  connector: DestinationConnector<S>
  /** creates the fake API; it is served on a fake host for the whole suite and reset before each check */
  fake: () => DestinationFake | StorageFake
  /** a working config for the fake served at `url` */
  config: (url: string) => Static<S>
  /** a config of the right shape whose credentials the fake refuses */
  badCredentials: (url: string) => Static<S>
  /** the object the behaviour checks write to (`contacts`, `users`, `Contact`) */
  object: string
  /**
   * Names this suite when a connector runs the kit more than once on one object with configs that
   * behave differently (a file destination's modes); it becomes part of the matrix column.
   */
  variant?: string
  /** the destination field that identifies records of `object` */
  identifierField: string
  /**
   * The mapped fields of sample record `i`, as the engine hands them over: it includes the identifier
   * field, and its other values differ with `i` so an update is visible.
   */
  record: (i: number) => Record<string, Value>
  /** a text field of `object` that takes any string: for unicode, empty, NULL and large values */
  textField: string
  /** the fields mirror's "clear fields" empties; default every field of `record(0)` but the identifier */
  clearableFields?: string[]
  /**
   * What the fake holds for a record sent with these fields, when the API stores values differently
   * (Salesforce stores an empty string as NULL). Default: the fields as sent.
   */
  stored?: (fields: Record<string, Value>) => Record<string, unknown>
  /**
   * Whether the connector obtains new credentials on a 401 (OAuth). With a static key there is nothing
   * to refresh, and that check is skipped with the reason.
   */
  refreshesTokens: boolean
  /** values that must never appear in an error or log line; default the config's `secret: true` fields */
  secrets?: (config: Static<S>) => string[]
  /**
   * Configs the schema must reject, each with a word the explanation must mention. Default: an empty
   * config (naming a required field) and each required string field given a number.
   */
  invalidConfigs?: Array<{ config: unknown; mentions: string }>
  /** length of the large text value; default 10 000 */
  largeValueLength?: number
  /**
   * The behaviours this config offers, when the config narrows what the connector declares (a file
   * destination's mode: snapshot offers mirror, changes offers upsert and append). Each must be declared.
   * Default: the declared behaviours of `object`.
   */
  behaviours?: Behaviour[]
  /**
   * The destination's output becomes what it holds only when a run finishes (files listed by a manifest
   * written in `finishRun`): each write of a check is then sent as a run of its own and finished.
   */
  writesAreRuns?: boolean
  /**
   * Concerns of the kit that do not apply to this destination, each with the reason the matrix shows
   * (a file destination refuses no single record and counts no records per request).
   */
  doesNotApply?: Partial<Record<Concern, string>>
}

/** Stands for the fake host's URL before it has started. */
const UNSTARTED_URL = 'http://127.0.0.1:9'

/** The options with their defaults applied, and what the kit derives from the connector. */
export interface ResolvedOptions<S extends TSchema = TSchema>
  extends Omit<DestinationConformanceOptions<S>, 'behaviours'> {
  behaviours: ReadonlySet<Behaviour>
  /**
   * The capabilities the kit checks: those of the connector configured with the working config
   * (`capabilitiesOf`), so a connector whose limits come from its config is held to them.
   */
  capabilities: DestinationCapabilities
  clearableFields: string[]
  stored: (fields: Record<string, Value>) => Record<string, unknown>
  secrets: (config: Static<S>) => string[]
  largeValueLength: number
}

export function resolveOptions<S extends TSchema>(
  options: DestinationConformanceOptions<S>,
): ResolvedOptions<S> {
  // Capabilities do not depend on where the fake listens; the host's port is not known yet.
  const caps = options.connector.capabilitiesFor
    ? capabilitiesOf(options.connector, options.config(UNSTARTED_URL))
    : options.connector.capabilities
  const declared = caps.objects?.[options.object]?.behaviours ?? caps.behaviours
  const undeclared = (options.behaviours ?? []).filter((b) => !declared.includes(b))
  if (undeclared.length > 0)
    throw new Error(
      `conformance options: behaviours ${undeclared.join(', ')} are not declared by ${options.connector.name} ` +
        `for ${options.object} (declared: ${declared.join(', ')})`,
    )
  const behaviours = new Set(options.behaviours ?? declared)
  const sample = options.record(0)
  return {
    ...options,
    behaviours,
    capabilities: caps,
    clearableFields:
      options.clearableFields ?? Object.keys(sample).filter((f) => f !== options.identifierField),
    stored: options.stored ?? ((fields) => fields),
    secrets: options.secrets ?? ((config) => secretValues(options.connector.config, config)),
    largeValueLength: options.largeValueLength ?? 10_000,
  }
}

/** The values of a config at the schema's `secret: true` properties, nested objects included. */
export function secretValues(schema: TSchema, config: unknown): string[] {
  const found: string[] = []
  const walk = (node: Record<string, unknown>, value: unknown) => {
    if (!value || typeof value !== 'object') return
    const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>
    // A record's entries (`Type.Record`: pattern or additional properties) share one schema.
    const entries = Object.values((node.patternProperties ?? {}) as Record<string, Record<string, unknown>>)
    if (typeof node.additionalProperties === 'object')
      entries.push(node.additionalProperties as Record<string, unknown>)
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const child = properties[key] ?? entries[0]
      if (!child) continue
      if (child.secret === true && typeof v === 'string' && v) found.push(v)
      else walk(child, v)
    }
  }
  walk(schema as unknown as Record<string, unknown>, config)
  return found
}
