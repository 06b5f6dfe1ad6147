import { sluiceProject } from '@sluice/vitest-config'

// Every test runs the real `sluice` binary, often several times: give them room on a busy machine.
export default sluiceProject('@sluice/demo', { test: { testTimeout: 120_000 } })
