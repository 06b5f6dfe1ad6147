import { describeDestinationConformance } from '@sluice/conformance'
import { afterAll, beforeAll } from 'vitest'
import { type Format, type Mode, s3 } from '../src/index.js'
import { createBucketFake } from './fake-bucket.js'
import { startS3rver } from './s3rver.js'

// Credentials come from the standard AWS chain, here its environment variables. s3rver knows the key id
// S3RVER and does not check signatures; the secret is a value the kit looks for in every error and log.
const SECRET = 'conformance-secret-access-key-7f3a9c'
process.env.AWS_ACCESS_KEY_ID = 'S3RVER'
process.env.AWS_SECRET_ACCESS_KEY = SECRET
process.env.AWS_REGION = 'us-east-1'

let server: Awaited<ReturnType<typeof startS3rver>> | undefined
beforeAll(async () => {
  server = await startS3rver(['lake'])
})
afterAll(() => server?.stop())

/** What each mode offers, in the format that shows it best. */
const MODES: Array<{
  mode: Mode
  format: Format
  gzip?: boolean
  behaviours: Array<'upsert' | 'mirror' | 'append'>
}> = [
  { mode: 'snapshot', format: 'parquet', behaviours: ['mirror'] },
  { mode: 'changes', format: 'jsonl', gzip: true, behaviours: ['upsert', 'append'] },
  { mode: 'diff', format: 'parquet', behaviours: ['mirror'] },
]

for (const { mode, format, gzip, behaviours } of MODES) {
  describeDestinationConformance({
    connector: s3,
    variant: `${mode} mode`,
    fake: () => createBucketFake({ endpoint: () => server!.endpoint, bucket: 'lake', denied: ['locked'] }),
    config: (url) => ({ url: 's3://lake/exports', endpoint: url, format, mode, ...(gzip ? { gzip } : {}) }),
    // A key whose policy does not cover the bucket: S3 answers 403 AccessDenied.
    badCredentials: (url) => ({ url: 's3://locked/exports', endpoint: url, format, mode }),
    secrets: () => [SECRET],
    object: 'files',
    identifierField: 'id',
    record: (i) => ({ id: `row-${i}`, name: `Row ${i}`, score: i * 1.5, active: i % 2 === 0 }),
    textField: 'name',
    behaviours,
    writesAreRuns: true,
    refreshesTokens: false,
    doesNotApply: {
      recordRejections: 'a file takes every row; nothing is refused row by row',
      requestSize: 'rows travel in files split by size (maxFileBytes), not in requests of records',
      acknowledgements:
        'S3 acknowledges a stored object by its status alone (a PutObject answer has no body), and the rows are acknowledged once their file is stored',
      discoverFields: 'a file takes the columns the mapping sends; there are no fields to list',
      tokenRefresh:
        'requests are signed with keys from the AWS chain, which renews them itself; S3 has no token to expire',
    },
  })
}
