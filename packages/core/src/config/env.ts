import { registerSecret } from '../redact.js'
import { type Problem, pointer } from './errors.js'

/**
 * `${env:NAME}` references: secrets stay out of the repository and are read from the environment when
 * the config is loaded. A reference may be the whole string or part of it (`postgres://u:${env:PW}@h/db`).
 * Every value read this way is registered as a secret, so `redact()` masks it wherever it would appear,
 * except a bare address (`https://host:port`), which says only where requests go.
 */

export type Env = Readonly<Record<string, string | undefined>>

/** `${env:NAME}`; NAME is checked separately, so a malformed one gets its own clear problem. */
const REFERENCE = /\$\{env:([^}]*)\}/g
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface EnvResolution<T> {
  value: T
  /** malformed references, and references to variables that are not set */
  problems: Problem[]
  /** the problems that are variables not set (a subset of `problems`) */
  unset: Problem[]
  /** JSON pointer → the string as written, for every string that held a reference */
  references: Map<string, string>
}

/** Resolves every reference in every string of a JSON-like value, without changing the input. */
export function resolveEnv<T>(value: T, env: Env, path = ''): EnvResolution<T> {
  const problems: Problem[] = []
  const unset: Problem[] = []
  const references = new Map<string, string>()

  const visit = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') return resolveString(node, at)
    if (Array.isArray(node)) return node.map((item, index) => visit(item, pointer(at, index)))
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(node)) out[key] = visit(child, pointer(at, key))
      return out
    }
    return node
  }

  const resolveString = (text: string, at: string): string => {
    if (!text.includes('${env:')) return text
    references.set(at, text)
    return text.replace(REFERENCE, (whole, name: string) => {
      if (!VARIABLE_NAME.test(name)) {
        problems.push({
          path: at,
          expected: 'an environment variable name of letters, digits and _ in ${env:NAME}',
          found: JSON.stringify(whole),
        })
        return whole
      }
      const resolved = env[name]
      if (resolved === undefined) {
        const problem = {
          path: at,
          expected: `the environment variable ${name} to be set`,
          found: 'it unset',
        }
        problems.push(problem)
        unset.push(problem)
        return whole
      }
      if (!isBareOrigin(resolved)) registerSecret(resolved)
      return resolved
    })
  }

  return { value: visit(value, path) as T, problems, unset, references }
}

/**
 * An address alone (`https://rest.iad-01.braze.com`, `http://127.0.0.1:4010`) says where requests go,
 * not how they are allowed: it is shown, so a reader sees which instance was called. Anything more (a
 * path, a query, a user or password) may carry a credential, as a Slack webhook's path does, and is masked.
 */
function isBareOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return /^https?:$/.test(url.protocol) && value.replace(/\/$/, '') === url.origin
  } catch {
    return false
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
