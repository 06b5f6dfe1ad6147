import type { Value } from '../contract/records.js'

/**
 * A payload as JSON text: exactly `JSON.stringify`, except that `bigint` values (the integers of a
 * BIGINT, HUGEINT or int8 column, whatever their size) are written as their exact digits instead of
 * throwing. Keys keep their order, which the mapping fixes (mapping order, then column order), so the
 * same row under the same mappings always gives the same text: the text is what is hashed, stored and
 * compared. A `bigint` and a `number` of the same value give the same text (see ADR 0003).
 */
export function stringifyExact(value: Value): string {
  const marked = markBigints(value)
  const text = JSON.stringify(marked)
  // Only a payload that held a bigint was copied, and only its text holds markers.
  return marked === value ? text : text.replace(MARKED_DIGITS, '$1')
}

/**
 * Bigints travel through the native `JSON.stringify` (several times faster than a serialiser in JS)
 * as strings made of a control character, a random per-process tag and the digits; the quoted marker
 * is then replaced by the bare digits. A value's own string can only be mistaken for a marker if it
 * holds U+0001 followed by this process's random tag.
 */
const TAG = `n${Math.random().toString(36).slice(2, 12)}`
const MARK = `\u0001${TAG}`
const MARKED_DIGITS = new RegExp(`"\\\\u0001${TAG}(-?\\d+)"`, 'g')

/** The value with every bigint replaced by its marker; the very same object when it holds none. */
function markBigints(value: Value): unknown {
  if (typeof value === 'bigint') return MARK + value.toString()
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as Value
      if (typeof item !== 'object' && typeof item !== 'bigint') continue
      const marked = markBigints(item)
      if (marked !== item) {
        copy ??= value.slice()
        copy[i] = marked
      }
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    const item = value[key] as Value
    if (typeof item !== 'object' && typeof item !== 'bigint') continue
    const marked = markBigints(item)
    if (marked !== item) {
      copy ??= { ...value }
      copy[key] = marked
    }
  }
  return copy ?? value
}

/**
 * JSON text of any value a connector sends (request bodies): `JSON.stringify`, with `bigint` as exact
 * digits, so a BIGINT column goes out as one JSON type, a number, whatever the size of its values.
 */
export function stringifyJsonBody(value: unknown): string {
  return stringifyExact(value as Value)
}

/**
 * Whether the text holds a run of 16 or more digits: only such a run may be an integer beyond 2^53,
 * where the exact parser is needed. It reads every 16th character, and around it only when that is a
 * digit: a run of 16 always covers one of them. This runs for every payload sent and tracked, and
 * costs about a third of `/\d{16}/.test` on typical payloads.
 */
export function mayHoldBigInteger(text: string): boolean {
  const n = text.length
  for (let i = 15; i < n; i += 16) {
    if (!isDigit(text.charCodeAt(i))) continue
    let first = i
    while (first > 0 && isDigit(text.charCodeAt(first - 1))) first--
    let last = i
    while (last + 1 < n && isDigit(text.charCodeAt(last + 1))) last++
    if (last - first + 1 >= 16) return true
    // The next run starts after `last + 1`, and one of 16 digits then covers `last + 16`.
    i = last
  }
  return false
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/** Parses JSON text back into a `Value`, keeping integers beyond 2^53 exact as `bigint`. */
export function parseJson(text: string): Value {
  if (!mayHoldBigInteger(text)) return JSON.parse(text) as Value
  return new ExactJsonParser(text).parseDocument()
}

class ExactJsonParser {
  private at = 0
  constructor(private readonly text: string) {}

  parseDocument(): Value {
    const value = this.value()
    this.space()
    if (this.at !== this.text.length) this.fail('unexpected text after the value')
    return value
  }

  private value(): Value {
    this.space()
    const ch = this.text[this.at]
    if (ch === '{') return this.object()
    if (ch === '[') return this.array()
    if (ch === '"') return this.string()
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number()
    for (const [word, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length
        return result
      }
    }
    return this.fail('unexpected character')
  }

  private object(): Value {
    const out: Record<string, Value> = {}
    this.at++
    this.space()
    if (this.text[this.at] === '}') {
      this.at++
      return out
    }
    for (;;) {
      this.space()
      const key = this.string()
      this.space()
      this.expect(':')
      out[key] = this.value()
      this.space()
      if (this.text[this.at] === ',') this.at++
      else {
        this.expect('}')
        return out
      }
    }
  }

  private array(): Value {
    const out: Value[] = []
    this.at++
    this.space()
    if (this.text[this.at] === ']') {
      this.at++
      return out
    }
    for (;;) {
      out.push(this.value())
      this.space()
      if (this.text[this.at] === ',') this.at++
      else {
        this.expect(']')
        return out
      }
    }
  }

  private string(): string {
    if (this.text[this.at] !== '"') this.fail('expected a string')
    let end = this.at + 1
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1
    const literal = this.text.slice(this.at, end + 1)
    this.at = end + 1
    return JSON.parse(literal) as string
  }

  private number(): number | bigint {
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 400))
    if (!match) return this.fail('bad number')
    this.at += match[0].length
    const literal = match[0]
    if (match[1] === undefined && match[2] === undefined) {
      const n = Number(literal)
      return Number.isSafeInteger(n) ? n : BigInt(literal)
    }
    return Number(literal)
  }

  private space(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++
  }

  private expect(ch: string): void {
    if (this.text[this.at] !== ch) this.fail(`expected "${ch}"`)
    this.at++
  }

  private fail(reason: string): never {
    throw new SyntaxError(`invalid JSON at position ${this.at}: ${reason}`)
  }
}
