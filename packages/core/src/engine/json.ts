import type { Value } from '../contract/records.js'

/**
 * A payload as JSON text: exactly `JSON.stringify`, except that integers beyond 2^53 (`bigint`) are
 * written as their exact digits instead of throwing. Keys keep their order, which the mapping fixes
 * (mapping order, then column order), so the same row under the same mappings always gives the same
 * text: the text is what is hashed, stored and compared.
 */
export function stringifyExact(value: Value): string {
  try {
    // The fast path: almost every payload has no bigint.
    return JSON.stringify(value)
  } catch {
    return exactJson(value)
  }
}

function exactJson(value: Value): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ','
          out += exactJson(value[i] ?? null)
        }
        return `${out}]`
      }
      let out = '{'
      let first = true
      for (const key of Object.keys(value)) {
        const item = value[key]
        if (item === undefined) continue
        out += `${first ? '' : ','}${JSON.stringify(key)}:${exactJson(item)}`
        first = false
      }
      return `${out}}`
    }
    default:
      return 'null'
  }
}

/** A run of 16 or more digits may be an integer beyond 2^53: only then is the exact parser needed. */
const MAYBE_BIG_INTEGER = /\d{16}/

/** Parses JSON text back into a `Value`, keeping integers beyond 2^53 exact as `bigint`. */
export function parseJson(text: string): Value {
  if (!MAYBE_BIG_INTEGER.test(text)) return JSON.parse(text) as Value
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
