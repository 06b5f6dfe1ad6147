/**
 * The template language of request paths and bodies: JSON with `{{path}}` placeholders, and nothing
 * else. A placeholder is a dotted path looked up in the record's own properties (never a prototype's);
 * there are no expressions, calls or loops, so a template cannot run code. Values are substituted into
 * the JSON value itself, not into its text, so the serialiser escapes them: a value can never close a
 * string or add a member.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/
/** a segment: letters, digits, `_`, `-`, `$`, spaces; paths join segments with dots */
const PATH = /^[\w$ -]+(\.[\w$ -]+)*$/

/** What placeholders can name: the record's mapped fields, and the `$` names beside them. */
export type Scope = Record<string, unknown>

/** Where a text substitution goes: into a URL path (URL-encoded) or into a JSON string (as is). */
export type Context = 'url' | 'json'

/** The paths a template uses, or the problems with its placeholders (`{{}}`, `{{a..b}}`, `{{a}b}}`). */
export function placeholders(template: unknown): { paths: string[]; problems: string[] } {
  const paths: string[] = []
  const problems: string[] = []
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(PLACEHOLDER)) {
        const path = match[1]!
        if (PATH.test(path)) paths.push(path)
        else problems.push(`"${match[0]}" is not a field path (use letters, digits, _ - $ and dots)`)
      }
      const unmatched = node.replace(PLACEHOLDER, '')
      if (unmatched.includes('{{') || unmatched.includes('}}'))
        problems.push(`"${node}" has an unclosed placeholder`)
    } else if (Array.isArray(node)) node.forEach(visit)
    else if (node && typeof node === 'object') Object.values(node).forEach(visit)
  }
  visit(template)
  return { paths, problems }
}

/** The value at a dotted path, through own properties only; undefined when any step is missing. */
export function lookup(scope: unknown, path: string): unknown {
  let value: unknown = scope
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined
    value = (value as Record<string, unknown>)[segment]
  }
  return value
}

/**
 * Renders a JSON template against a scope. A string that is one placeholder takes the value with its
 * type (a number stays a number, an object an object); a member whose value is missing is left out.
 * Placeholders inside a longer string are replaced by the value as text (objects as JSON, NULL and
 * missing values as nothing).
 */
export function render(template: unknown, scope: Scope): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template)
    if (whole) return jsonSafe(lookup(scope, whole[1]!))
    return renderText(template, scope, 'json')
  }
  if (Array.isArray(template)) return template.map((item) => render(item, scope) ?? null)
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(template)) {
      const rendered = render(value, scope)
      if (rendered !== undefined) out[key] = rendered
    }
    return out
  }
  return template
}

/** Renders the placeholders of a string as text; in a URL path each value is URL-encoded. */
export function renderText(template: string, scope: Scope, context: Context): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => {
    const text = asText(lookup(scope, path))
    return context === 'url' ? encodeURIComponent(text) : text
  })
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'object') return JSON.stringify(jsonSafe(value))
  return String(value)
}

/** JSON has no BIGINT: integers beyond 2^53 travel as their exact decimal text. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  return value
}
