/**
 * Salesforce record Ids: a 3-character key prefix and 12 more characters (15, case-sensitive), plus a
 * 3-character suffix that encodes the case of the first 15 (18, case-insensitive). APIs answer with
 * 18-character Ids and accept either.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'

/** The 18-character form of a 15-character Id. */
export function toId18(id15: string): string {
  let suffix = ''
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0
    for (let i = 0; i < 5; i++) {
      const ch = id15[chunk * 5 + i]!
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i
    }
    suffix += SUFFIX[bits]
  }
  return id15 + suffix
}

/** The 15-character, case-sensitive form of an Id given in either length; undefined when malformed. */
export function toId15(id: string): string | undefined {
  if (!/^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/.test(id)) return undefined
  // Exact case only: the fake does not recover a 15-character Id from a re-cased 18-character one.
  const id15 = id.slice(0, 15)
  if (id.length === 18 && toId18(id15) !== id) return undefined
  return id15
}

/** The `n`th Id of an object with this key prefix (`003` for Contact). */
export function makeId(keyPrefix: string, n: number, podChars = '5g'): string {
  let body = ''
  let rest = n
  for (let i = 0; i < 15 - keyPrefix.length - podChars.length; i++) {
    body = BASE62[rest % 62] + body
    rest = Math.floor(rest / 62)
  }
  return toId18(`${keyPrefix}${podChars}${body}`)
}
