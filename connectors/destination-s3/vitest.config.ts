import { sluiceProject } from '@sluice/vitest-config'

// Files of megabytes through a real S3 server and child processes: generous on a busy machine.
export default sluiceProject('@sluice/destination-s3', {
  test: { testTimeout: 300_000, hookTimeout: 120_000 },
})
