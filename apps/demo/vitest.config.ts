import { sluiceProject } from '@sluice/vitest-config'

// Every test runs the real `sluice` binary, often several times, on projects of thousands of rows:
// give them room on a busy machine.
export default sluiceProject('@sluice/demo', { test: { testTimeout: 900_000, hookTimeout: 900_000 } })
