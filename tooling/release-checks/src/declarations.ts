import { readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, join, normalize } from 'node:path'
import { filesUnder, type PackageJson } from './workspace.js'

/** Every module a declaration file imports: `import … from`, `export … from`, `import('…')`. */
export function importedSpecifiers(source: string): string[] {
  const found = new Set<string>()
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) {
    found.add(match[1]!)
  }
  return [...found]
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/')

const isBare = (specifier: string) => !specifier.startsWith('.') && !specifier.startsWith('/')

/**
 * What is wrong with the types of an unpacked package: a `.d.ts` that imports a package the manifest
 * does not declare (the importer's type check fails once installed), and a main entry whose types reach
 * an optional peer (every user would need it installed for their types to resolve).
 */
export function declarationProblems(dir: string, manifest: PackageJson): string[] {
  const problems: string[] = []
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ])
  const optionalPeers = new Set(
    Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional === true)
      .map(([name]) => name),
  )
  const imports = new Map<string, string[]>()
  for (const file of filesUnder(dir).filter((f) => f.endsWith('.d.ts'))) {
    const specifiers = importedSpecifiers(readFileSync(join(dir, file), 'utf8'))
    imports.set(file, specifiers)
    for (const specifier of specifiers.filter(isBare)) {
      const name = packageOf(specifier)
      if (isBuiltin(specifier) || declared.has(name)) continue
      problems.push(`${file} imports types from "${specifier}", which package.json does not declare`)
    }
  }

  // the main entry's types and every declaration file they reach through relative imports
  const root = manifest.exports?.['.'] as { types?: string } | string | undefined
  const entry = typeof root === 'object' ? root.types : undefined
  if (!entry) return [...problems, 'the main entry (exports ".") names no "types"']
  const seen = new Set<string>()
  const queue = [normalize(entry)]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    for (const specifier of imports.get(file) ?? []) {
      if (isBare(specifier)) {
        const name = packageOf(specifier)
        if (optionalPeers.has(name)) {
          problems.push(
            `the main entry's types reach "${specifier}" (in ${file}), an optional peer dependency`,
          )
        }
        continue
      }
      const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.d.ts')
      queue.push(imports.has(target) ? target : target.replace(/\.d\.ts$/, '/index.d.ts'))
    }
  }
  return problems
}
