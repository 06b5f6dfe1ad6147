import type { Problem } from './errors.js'

/**
 * Keys written twice in one JSON object. `JSON.parse` keeps the last silently, so a sync pasted twice
 * under one name, or a field set twice, would lose a value without a word. Runs on text that already
 * parsed, so it only has to follow the structure, not report syntax errors.
 */
export function duplicateKeyProblems(text: string): Problem[] {
  const problems: Problem[] = []
  let at = 0

  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++
  }
  const readString = (): string => {
    const start = at
    at++ // opening quote
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1
    at++
    return JSON.parse(text.slice(start, at)) as string
  }
  const readValue = (path: string): void => {
    skipSpace()
    const c = text[at]
    if (c === '{') readObject(path)
    else if (c === '[') readArray(path)
    else if (c === '"') readString()
    else {
      // a number, true, false or null
      while (at < text.length && !/[\s,\]}]/.test(text[at]!)) at++
    }
  }
  const readArray = (path: string): void => {
    at++
    for (let index = 0; ; index++) {
      skipSpace()
      if (text[at] === ']') break
      readValue(`${path}/${index}`)
      skipSpace()
      if (text[at] === ',') at++
    }
    at++
  }
  const readObject = (path: string): void => {
    at++
    const seen = new Map<string, number>()
    for (;;) {
      skipSpace()
      if (text[at] === '}') break
      const keyAt = at
      const key = readString()
      const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      const first = seen.get(key)
      if (first === undefined) seen.set(key, keyAt)
      else {
        problems.push({
          path: childPath,
          expected: 'each key once in an object',
          found: `"${key}" again at ${lineAndColumn(text, keyAt)} (first at ${lineAndColumn(text, first)}; only the last would count)`,
        })
      }
      skipSpace()
      at++ // colon
      readValue(childPath)
      skipSpace()
      if (text[at] === ',') at++
    }
    at++
  }

  readValue('')
  return problems
}

export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`
}
