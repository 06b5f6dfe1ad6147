import { projectJsonSchema } from './json-schema.js'

type Schema = Record<string, unknown> & {
  type?: string | string[]
  properties?: Record<string, Schema>
  additionalProperties?: boolean | Schema
  patternProperties?: Record<string, Schema>
  items?: Schema
  anyOf?: Schema[]
  required?: string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  pattern?: string
  minimum?: number
  maximum?: number
}

/**
 * The config reference in `docs/config-reference.md`: every key the schema accepts, with its type,
 * default and description, generated from the same schema that validates configs, so it cannot drift.
 */
export function renderConfigReference(): string {
  const rows: string[] = []
  walk(projectJsonSchema() as Schema, '', rows, true)
  return [
    '# Project config reference',
    '',
    '<!-- Generated from the config schema by `pnpm --filter @sluice/core schema`; do not edit by hand. -->',
    '',
    'Every key of `sluice.config.ts` / `sluice.json`. `<name>` stands for a name you choose; a key marked',
    '**required** must be present when its parent is. Strings may hold `${env:NAME}` references, resolved',
    'from the environment when the config loads. Editors validate a `sluice.json` that names',
    '`./node_modules/@sluice/core/sluice.schema.json` in `"$schema"`.',
    '',
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}

/** `form`: required in the one form of a union that has the key (`table` of a table model). */
type Required = boolean | 'form'

function walk(schema: Schema, path: string, rows: string[], required: Required): void {
  if (path !== '') rows.push(row(path, schema, required))
  if (schema.anyOf) {
    // a union of objects (schedules, mappings, state backends): the keys of each variant, each once
    const forms = new Map<string, Schema[]>()
    for (const variant of schema.anyOf) {
      for (const [key, child] of Object.entries(variant.properties ?? {})) {
        forms.set(key, [...(forms.get(key) ?? []), child])
      }
    }
    const requiredIn = (key: string) => schema.anyOf!.filter((v) => (v.required ?? []).includes(key)).length
    for (const [key, children] of forms) {
      const inAll = requiredIn(key) === schema.anyOf.length
      // a key every form has with another value (a schedule's `type`) lists the values together
      const child = children.length === 1 ? children[0]! : { ...children[0]!, anyOf: children }
      walk(child, join(path, key), rows, inAll ? true : requiredIn(key) > 0 ? 'form' : false)
    }
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (key === '$schema') continue
    walk(child, join(path, key), rows, (schema.required ?? []).includes(key))
  }
  const entries = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined
  const patterned = Object.values(schema.patternProperties ?? {})[0]
  const named = entries ?? patterned
  // a connector's own settings are `{}` here: the connector's schema says what they are
  if (named && Object.keys(named).length > 0) walk(named, join(path, '<name>'), rows, false)
  if (schema.items && (schema.items.properties || schema.items.anyOf))
    walk(schema.items, `${path}[]`, rows, false)
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function row(path: string, schema: Schema, required: Required): string {
  const flag = required === 'form' ? ' **required** in its form' : required ? ' **required**' : ''
  const cells = [
    `\`${path}\`${flag}`,
    typeOf(schema),
    schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``,
    schema.description ?? '',
  ]
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`
}

function typeOf(schema: Schema): string {
  if (schema.anyOf) {
    const kinds = [...new Set(schema.anyOf.map((v) => typeOf(v)))]
    return kinds.join(' or ')
  }
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ')
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any')
  if (type === 'array' && schema.items) return `list of ${typeOf(schema.items)}`
  const bounds =
    schema.minimum !== undefined || schema.maximum !== undefined
      ? ` (${schema.minimum ?? ''}…${schema.maximum ?? ''})`
      : ''
  return `${type}${bounds}`
}
