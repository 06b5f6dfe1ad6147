import { SluiceError } from '@sluice/core/contract'

/** A SQL string literal. Used for file paths and names that cannot be bound as parameters. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A DuckDB list literal of strings, e.g. the files a `read_parquet` reads. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A quoted SQL identifier (schema, table) from settings; anything unusual is refused, not escaped. */
export function sqlIdentifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new SluiceError('config', `${kind} ${JSON.stringify(name)} is not a plain SQL name.`, {
      component: 'tracking',
      code: 'INVALID_IDENTIFIER',
      hint: 'Use letters, digits and _, starting with a letter or _.',
    })
  }
  return `"${name}"`
}
