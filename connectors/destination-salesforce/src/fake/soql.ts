/**
 * The one SOQL shape the connector sends, and nothing more: `SELECT f, … FROM Object WHERE Field IN
 * ('a', …)` (or `= 'a'`). Anything else is MALFORMED_QUERY, as an unsupported query would be.
 */
export interface ParsedQuery {
  fields: string[]
  object: string
  whereField: string
  values: string[]
}

const QUERY =
  /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)\s+WHERE\s+(\w+)\s+(IN\s*\((.*)\)|=\s*('(?:[^'\\]|\\.)*'))\s*$/is

export function parseQuery(soql: string): ParsedQuery | undefined {
  const match = QUERY.exec(soql)
  if (!match) return undefined
  const fields = match[1]!.split(',').map((f) => f.trim())
  if (fields.some((f) => !/^\w+$/.test(f))) return undefined
  const list = match[5] ?? match[6]!
  const values: string[] = []
  const literal = /\s*'((?:[^'\\]|\\.)*)'\s*(?:,|$)/gy
  let m: RegExpExecArray | null
  let consumed = 0
  // biome-ignore lint/suspicious/noAssignInExpressions: the usual regex scan
  while ((m = literal.exec(list)) !== null) {
    values.push(m[1]!.replace(/\\(.)/g, '$1'))
    consumed = literal.lastIndex
    if (consumed === list.length) break
  }
  if (consumed !== list.length) return undefined
  return { fields, object: match[2]!, whereField: match[3]!, values }
}
