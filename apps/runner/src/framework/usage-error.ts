/**
 * The command line was wrong: an unknown command or flag, a missing argument. Exit code 1. Not a
 * SluiceError, so that parsing never loads core.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'BAD_USAGE'

  constructor(
    message: string,
    /** the command whose help to point at */
    readonly command?: string,
  ) {
    super(`[sluice] ${message}`)
  }
}
