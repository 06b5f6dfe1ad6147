import { sluiceProject } from '@sluice/vitest-config'

// Packing, npm installs and real runs on a busy machine: give them room.
export default sluiceProject('@sluice/release-checks', { test: { testTimeout: 180_000 } })
