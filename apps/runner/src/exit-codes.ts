import type { RunStatus } from '@sluice/core'

/**
 * The process exit codes, as `--help` and the README document them. Orchestrators branch on these:
 * 2 means "it ran, but look at the rejected and invalid rows".
 */
export const EXIT = {
  /** everything succeeded */
  ok: 0,
  /** a run failed, or bad usage, or a bad config */
  failed: 1,
  /** a run partially succeeded: some rows were rejected or invalid */
  partial: 2,
  /** a safeguard stopped a run before it sent anything: a person should look (--force overrides) */
  safeguard: 3,
  /** interrupted with Ctrl-C: the run was cancelled, committed work kept */
  cancelled: 130,
} as const

export function exitCodeForStatus(status: RunStatus, errorCode?: string): number {
  if (errorCode === 'SAFEGUARD_TRIPPED') return EXIT.safeguard
  if (status === 'succeeded') return EXIT.ok
  if (status === 'partially_succeeded') return EXIT.partial
  if (status === 'cancelled') return EXIT.cancelled
  return EXIT.failed
}

/** Several runs in one invocation: the worst outcome wins (failed over cancelled over partial). */
export function worstExitCode(codes: number[]): number {
  const rank = (code: number) =>
    code === EXIT.failed
      ? 4
      : code === EXIT.safeguard
        ? 3
        : code === EXIT.cancelled
          ? 2
          : code === EXIT.partial
            ? 1
            : 0
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), EXIT.ok)
}

export const EXIT_CODES_HELP = `Exit codes:
  0    succeeded
  2    partially succeeded (some rows rejected or invalid)
  1    failed, bad usage, or a bad config
  3    stopped by a safeguard before sending anything (--force overrides)
  130  cancelled with Ctrl-C (committed work is kept)`
