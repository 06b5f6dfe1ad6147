import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { esModuleNamespace, SluiceError } from '@sluice/core'
import type { CommandInput } from '../framework/spec.js'
import { loadTypeScript } from '../project/typescript.js'

/** The demo's package: its sample warehouse and the connectors' fake APIs are not part of the runner. */
export const DEMO_PACKAGE = '@sluice/demo'

/** What `@sluice/demo` exports for this command. */
interface DemoModule {
  runDemo(input: CommandInput): Promise<number>
}

const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

interface PackageJson {
  name?: string
  exports?: Record<string, unknown>
  main?: string
}

const readPackage = (dir: string): PackageJson | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

/**
 * The demo package's folder, as Node would resolve it from the current folder (or from the package
 * itself, when `pnpm demo` runs in it), else from where the runner is installed (a global install
 * next to it).
 */
export function findDemoPackage(cwd: string): string | undefined {
  for (const from of [cwd, runnerDir]) {
    for (let at = resolve(from); ; at = dirname(at)) {
      if (readPackage(at)?.name === DEMO_PACKAGE) return at
      const candidate = join(at, 'node_modules', ...DEMO_PACKAGE.split('/'))
      if (existsSync(join(candidate, 'package.json'))) return candidate
      if (dirname(at) === at) break
    }
  }
  return undefined
}

/** The root entry of a package's `exports` for these conditions (a string, or a conditions object). */
function rootEntry(pkg: PackageJson, conditions: string[]): string | undefined {
  const root = pkg.exports?.['.'] ?? pkg.exports
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target
    if (target && typeof target === 'object') {
      const map = target as Record<string, unknown>
      for (const key of [...conditions, 'import', 'default']) if (key in map) return pick(map[key])
    }
    return undefined
  }
  return pick(root) ?? pkg.main
}

export default async function run(input: CommandInput): Promise<number> {
  const dir = findDemoPackage(input.global.cwd)
  if (!dir) {
    throw new SluiceError(
      'config',
      `the demo is a separate package, ${DEMO_PACKAGE}, and it is not installed here.`,
      {
        code: 'DEMO_NOT_INSTALLED',
        hint: `Install it next to the runner: npm install ${DEMO_PACKAGE} (then run sluice demo again), or try it once with npx -p @sluice/runner -p ${DEMO_PACKAGE} sluice demo.`,
      },
    )
  }
  // Inside the repository the runner runs from TypeScript source, and so does the demo.
  const conditions = import.meta.url.endsWith('.ts') ? ['@sluice/source'] : []
  const entry = rootEntry(readPackage(dir) ?? {}, conditions)
  if (!entry) {
    throw new SluiceError('config', `${dir}/package.json names no entry point.`, {
      code: 'DEMO_NOT_INSTALLED',
    })
  }
  await loadTypeScript()
  const demo = esModuleNamespace(await import(pathToFileURL(join(dir, entry)).href)) as unknown as DemoModule
  return demo.runDemo(input)
}
