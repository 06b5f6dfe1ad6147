import { SluiceError } from '@sluice/core'

/** The command line was wrong: an unknown command or flag, a missing argument. Exit code 1. */
export class UsageError extends SluiceError {
  constructor(
    message: string,
    /** the command whose help to point at */
    readonly command?: string,
  ) {
    super('config', message, { code: 'BAD_USAGE' })
  }
}
