import { createHash } from 'node:crypto'

/**
 * The row hash: MD5 of the mapped payload's canonical JSON, as hex. It is a change detector, not a
 * security measure: it only has to be stable across runs, processes and state-store backends (every
 * SQL warehouse can compute the same `md5()` over the same text).
 */
export function rowHash(payloadJson: string): string {
  return createHash('md5').update(payloadJson).digest('hex')
}
