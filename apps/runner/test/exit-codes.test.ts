import { expect, it } from 'vitest'
import { EXIT, exitCodeForStatus, worstExitCode } from '../src/exit-codes.js'

it('a safeguard gets its own exit code, and a plain failure still outranks it', () => {
  expect(exitCodeForStatus('failed', 'SAFEGUARD_TRIPPED')).toBe(EXIT.safeguard)
  expect(exitCodeForStatus('failed', 'RETRIES_EXHAUSTED')).toBe(EXIT.failed)
  expect(worstExitCode([EXIT.ok, EXIT.safeguard, EXIT.partial])).toBe(EXIT.safeguard)
  expect(worstExitCode([EXIT.safeguard, EXIT.failed])).toBe(EXIT.failed)
})
