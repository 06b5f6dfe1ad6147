/**
 * One error type, one taxonomy. Core owns the categories and knows which are worth retrying;
 * connectors and the HTTP toolkit only map their native errors onto them.
 */
export type ErrorCategory =
  /** the project or connector configuration is wrong: fix the config */
  | 'config'
  /** credentials are missing, wrong or expired beyond refresh */
  | 'auth'
  /** the service could not be reached (DNS, refused, TLS, timeout before a response) */
  | 'connection'
  /** the service asked us to slow down (429, quota windows) */
  | 'rate_limited'
  /** a passing failure worth retrying (5xx, dropped connection, queued) */
  | 'transient'
  /** one record was refused by the destination; the rest of its batch is unaffected */
  | 'record_rejected'
  /** the operation cannot run now because of another one (a run already in progress) */
  | 'conflict'
  /** the run was cancelled on purpose */
  | 'cancelled'
  /** a bug or an unexpected answer: report it */
  | 'internal'

const RETRYABLE: ReadonlySet<ErrorCategory> = new Set(['connection', 'rate_limited', 'transient'])

export interface SluiceErrorOptions {
  /** a stable, specific code, e.g. `RETRIES_EXHAUSTED`, `INVALID_CONFIG`, `UNKNOWN_OBJECT` */
  code?: string
  /** the connector or component the error comes from, shown as `[sluice] [braze]` */
  component?: string
  /** how to fix it, appended to the message */
  hint?: string
  cause?: unknown
  /** overrides the category's default */
  retryable?: boolean
  /** extra structured facts (status code, path, …); never secrets */
  details?: Record<string, unknown>
}

export class SluiceError extends Error {
  override readonly name = 'SluiceError'
  readonly category: ErrorCategory
  readonly code: string
  readonly component: string | undefined
  readonly hint: string | undefined
  readonly retryable: boolean
  readonly details: Record<string, unknown>

  constructor(category: ErrorCategory, message: string, options: SluiceErrorOptions = {}) {
    const prefix = options.component ? `[sluice] [${options.component}] ` : '[sluice] '
    const hint = options.hint ? ` ${options.hint}` : ''
    super(`${prefix}${message}${hint}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.category = category
    this.code = options.code ?? category.toUpperCase()
    this.component = options.component
    this.hint = options.hint
    this.retryable = options.retryable ?? RETRYABLE.has(category)
    this.details = options.details ?? {}
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError
}

/** Whether an error of any kind is worth retrying: Sluice errors by category, others never. */
export function isRetryable(error: unknown): boolean {
  return isSluiceError(error) && error.retryable
}

/** Wraps anything thrown into a SluiceError, keeping a SluiceError as it is. */
export function toSluiceError(error: unknown, component?: string): SluiceError {
  if (isSluiceError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new SluiceError('internal', message, { component, cause: error })
}
