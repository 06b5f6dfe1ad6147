import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { ModelConfig } from '../config/schema.js'
import type { Value } from '../contract/records.js'
import type { SourceCapabilities } from '../contract/source.js'
import { SluiceError } from '../errors.js'

export type Dialect = SourceCapabilities['dialect']

export interface ResolveModelOptions {
  dialect: Dialect
  /** the folder a relative dbt manifest path is read from (the config file's folder) */
  projectDir?: string
  /** cursor mode: read only rows whose cursor column is past this value */
  cursorAfter?: Value
}

/**
 * The SQL that reads a model: a table or view, a query, or a dbt model found by name in the manifest;
 * narrowed by the segment filter and, in cursor mode, by the cursor.
 */
export function resolveModelSql(model: ModelConfig, options: ResolveModelOptions): string {
  const base = baseSql(model, options)
  const predicates: string[] = []
  if (model.filter) predicates.push(`(${model.filter})`)
  if (model.cursor && options.cursorAfter !== undefined && options.cursorAfter !== null) {
    predicates.push(
      `${quoteIdentifier(model.cursor, options.dialect)} > ${sqlLiteral(options.cursorAfter, options.dialect)}`,
    )
  }
  if (predicates.length === 0) return base
  const relation = 'sql' in model ? `(${base}) AS sluice_model` : base.replace(/^SELECT \* FROM /, '')
  return `SELECT * FROM ${relation} WHERE ${predicates.join(' AND ')}`
}

function baseSql(model: ModelConfig, options: ResolveModelOptions): string {
  if ('table' in model) return `SELECT * FROM ${quoteQualified(model.table, options.dialect)}`
  if ('view' in model) return `SELECT * FROM ${quoteQualified(model.view, options.dialect)}`
  if ('sql' in model) return model.sql.trim().replace(/;+\s*$/, '')
  return `SELECT * FROM ${dbtRelation(model.dbt.model, model.dbt.manifest ?? 'target/manifest.json', options.projectDir)}`
}

interface ManifestNode {
  resource_type?: string
  name?: string
  package_name?: string
  relation_name?: string | null
  config?: { materialized?: string }
}

/** The relation a dbt model was built into, read from `manifest.json` (`relation_name` is quoted already). */
function dbtRelation(name: string, manifestPath: string, projectDir = process.cwd()): string {
  const path = isAbsolute(manifestPath) ? manifestPath : resolve(projectDir, manifestPath)
  let manifest: { nodes?: Record<string, ManifestNode>; metadata?: { project_name?: string } }
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new SluiceError('config', `cannot read the dbt manifest "${path}": ${(error as Error).message}`, {
      code: 'DBT_MANIFEST',
      hint: 'Run `dbt compile` (or `dbt run`) to write target/manifest.json, or set dbt.manifest.',
      cause: error,
    })
  }
  const models = Object.entries(manifest.nodes ?? {}).filter(
    ([id, node]) => node.resource_type === 'model' && (node.name === name || id === name),
  )
  if (models.length === 0) {
    throw new SluiceError('config', `the dbt manifest "${path}" has no model "${name}"`, {
      code: 'DBT_MODEL',
    })
  }
  // The same model name in two packages: prefer the root project's, as `ref()` does.
  const chosen =
    models.length === 1
      ? models[0]
      : models.find(([, node]) => node.package_name === manifest.metadata?.project_name)
  if (!chosen) {
    throw new SluiceError(
      'config',
      `the dbt model name "${name}" is ambiguous: ${models.map(([id]) => id).join(', ')}`,
      { code: 'DBT_MODEL', hint: 'Name the model by its unique id (model.<package>.<name>).' },
    )
  }
  const [id, node] = chosen
  if (!node.relation_name) {
    throw new SluiceError(
      'config',
      `the dbt model "${id}" has no relation (materialized: ${node.config?.materialized ?? 'unknown'})`,
      { code: 'DBT_MODEL', hint: 'Ephemeral models cannot be read: materialize it as a table or view.' },
    )
  }
  return node.relation_name
}

/** `schema.table` → `"schema"."table"`; a name that is already quoted is kept as it is. */
export function quoteQualified(name: string, dialect: Dialect): string {
  if (name.startsWith('"')) return name
  return name
    .split('.')
    .map((part) => quoteIdentifier(part, dialect))
    .join('.')
}

export function quoteIdentifier(name: string, _dialect: Dialect): string {
  // DuckDB and Postgres both quote identifiers with double quotes, doubling any inside.
  return `"${name.replace(/"/g, '""')}"`
}

/** A value as a SQL literal: numbers as they are, everything else as an escaped string. */
export function sqlLiteral(value: Value, dialect: Dialect): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const escaped = `'${text.replace(/'/g, "''")}'`
  // Postgres treats backslashes literally in standard strings; DuckDB too. Both accept '' for '.
  return dialect === 'postgres' && text.includes('\\') ? `E${escaped.replace(/\\/g, '\\\\')}` : escaped
}
