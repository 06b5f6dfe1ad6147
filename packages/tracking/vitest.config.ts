import { sluiceProject } from '@sluice/vitest-config'

// A zone other than UTC, so that a time written or exported in the machine's zone fails a test.
export default sluiceProject('@sluice/tracking', { test: { env: { TZ: 'America/New_York' } } })
