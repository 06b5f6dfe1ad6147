import { redact } from './redact.js'

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** A logger that says nothing: the default for libraries and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** Wraps a logger so that every message and field passes through `redact()`. */
export function redactingLogger(inner: Logger): Logger {
  const clean = (fields?: Record<string, unknown>) =>
    fields === undefined
      ? undefined
      : (JSON.parse(redact(JSON.stringify(fields, bigintSafe))) as Record<string, unknown>)
  return {
    debug: (m, f) => inner.debug(redact(m), clean(f)),
    info: (m, f) => inner.info(redact(m), clean(f)),
    warn: (m, f) => inner.warn(redact(m), clean(f)),
    error: (m, f) => inner.error(redact(m), clean(f)),
  }
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
