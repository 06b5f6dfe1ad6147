import { SluiceError } from '../errors.js'
import { redact } from '../redact.js'

/**
 * One problem in a project config: where it is (file and JSON pointer), what a valid value looks like
 * and what was there instead. `message` is the whole line, ready to print.
 */
export interface ConfigIssue {
  /** the config file as the user names it (relative to the working directory when inside it) */
  file: string
  /** a JSON pointer into the config: `/syncs/users/behaviour`; empty for the whole file */
  path: string
  expected: string
  found: string
  /** `sluice.json: /syncs/users/behaviour: expected one of upsert | …, found "upsertt"` */
  message: string
}

/** An issue before it knows its file: the checks produce these, the validator adds the file. */
export interface Problem {
  path: string
  expected: string
  found: string
}

export function toIssue(file: string, problem: Problem): ConfigIssue {
  // Redacted here too, so that no check can leak a resolved secret even by mistake.
  const expected = redact(problem.expected)
  const found = redact(problem.found)
  const where = problem.path === '' ? file : `${file}: ${problem.path}`
  return {
    file,
    path: problem.path,
    expected,
    found,
    message: `${where}: expected ${expected}, found ${found}`,
  }
}

/** A project config that cannot be used, with every problem found in it (not only the first). */
export class ConfigError extends SluiceError {
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
    const files = [...new Set(issues.map((i) => i.file))].join(', ')
    super(
      'config',
      `invalid project config (${count} in ${files}):\n${issues.map((i) => `  ${i.message}`).join('\n')}`,
      {
        code: 'INVALID_CONFIG',
        details: { issues },
        ...options,
      },
    )
    this.issues = issues
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError
}

/** Appends a key to a JSON pointer, escaping it as RFC 6901 says. */
export function pointer(base: string, key: string | number): string {
  return `${base}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** How a value found in the config is shown: scalars as JSON, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    return keys.length === 0
      ? 'an empty object'
      : `an object with ${keys.map((k) => JSON.stringify(k)).join(', ')}`
  }
  return typeof value
}

/** `a | b | c` for lists of allowed values. */
export function oneOf(values: readonly unknown[]): string {
  if (values.length === 0) return 'a value, but none is allowed here'
  const shown = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
  return shown.length === 1 ? String(shown[0]) : `one of ${shown.join(' | ')}`
}
