import { createHash } from 'node:crypto'

/**
 * The row hash: MD5 of the mapped payload's JSON text (`stringifyExact`), as hex. State stores compute
 * the same value in SQL (`md5(payload)`); this is the reference. It is a change detector, not a
 * security measure: it only has to be stable across runs, processes and state-store backends (every
 * SQL warehouse can compute the same `md5()` over the same text).
 */
export function rowHash(payloadJson: string): string {
  return createHash('md5').update(payloadJson).digest('hex')
}
