import { describe, expect, it } from 'vitest'
import { ConfigError, resolveProject } from '../src/index.js'
import { connectors, env, type Loose, validProject } from './fixtures/config/connectors.js'

/** Every place in a value, as a path of keys. */
function places(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [path]
  const children = Object.entries(value).flatMap(([key, child]) =>
    places(child, [...path, Array.isArray(value) ? Number(key) : key]),
  )
  return [path, ...children]
}

function replaced(project: Loose, path: (string | number)[], value: unknown): Loose {
  const copy = structuredClone(project)
  if (path.length === 0) return value as Loose
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key]
  node[path.at(-1)!] = value
  return copy
}

const WRONG_VALUES = [undefined, null, 0, -1, 'x', '', true, [], {}, [null], { unexpected: 1 }]

describe('validation of arbitrary damage', () => {
  it('answers every broken config with a ConfigError naming a path inside it, never a crash', () => {
    const base = validProject()
    let rejected = 0
    const unrelated: string[] = []
    for (const path of places(base)) {
      for (const value of WRONG_VALUES) {
        const project = replaced(base, path, value)
        try {
          resolveProject(project, { file: '/p/sluice.json', env, connectors })
        } catch (error) {
          if (!(error instanceof ConfigError)) {
            throw new Error(`${JSON.stringify(path)} = ${JSON.stringify(value)} threw ${String(error)}`)
          }
          for (const issue of error.issues)
            expect(issue.message).toMatch(/^\/p\/sluice\.json: (\/\S*: )?expected .+, found .+/)
          // The damage itself is named: an issue at its path, above it, or inside it.
          const damaged = path.map((key) => `/${key}`).join('')
          // Or where it shows: a reference to an entry the damage removed, or the behaviour a changed
          // object no longer supports.
          const removedNames = Object.keys(path.reduce((node: Loose, key) => node?.[key], base) ?? {})
          const related = error.issues.some(
            (i) =>
              i.path === damaged ||
              damaged.startsWith(`${i.path}/`) ||
              i.path.startsWith(`${damaged}/`) ||
              i.path === '' ||
              (path.length === 1 && removedNames.some((name) => i.found === JSON.stringify(name))) ||
              (damaged.endsWith('/object') && i.path === damaged.replace(/object$/, 'behaviour')),
          )
          if (!related)
            unrelated.push(
              `${damaged} = ${JSON.stringify(value)} gave ${error.issues.map((i) => i.message).join('; ')}`,
            )
          rejected++
        }
      }
    }
    expect(unrelated).toEqual([])
    // Nearly every replacement breaks something; a few (a constant's value, a description) may not.
    expect(rejected).toBeGreaterThan(places(base).length * WRONG_VALUES.length * 0.8)
  })
})
