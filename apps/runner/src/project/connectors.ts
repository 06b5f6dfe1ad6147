import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  type DestinationConnector,
  destinationProblems,
  type LoadedConnectors,
  type SourceConnector,
  sourceProblems,
} from '@sluice/core'

/** A connector package found in node_modules by the `sluice` manifest in its package.json. */
export interface InstalledConnector {
  package: string
  version: string
  kind: 'source' | 'destination'
  /** the connector id used as `type` in the project config (`braze`) */
  type: string
  displayName: string
  description: string
  dir: string
  /** where it was found: the project's own node_modules, or bundled with the runner */
  origin: 'project' | 'runner'
  /** what is wrong with it when it does not satisfy the contract */
  problems: string[]
}

export interface InstalledConnectors {
  list: InstalledConnector[]
  loaded: LoadedConnectors
}

interface PackageJson {
  name?: string
  version?: string
  description?: string
  exports?: unknown
  main?: string
  sluice?: { kind?: string; displayName?: string; description?: string }
}

const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Inside the repository the runner runs from TypeScript source, and so do the connectors it loads. */
const fromSource = import.meta.url.endsWith('.ts')

async function readJson(file: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

/** Every package folder in one node_modules folder, scoped ones included. */
async function packageDirs(nodeModules: string): Promise<string[]> {
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => [])
  const dirs: string[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const path = join(nodeModules, entry.name)
    if (entry.name.startsWith('@')) {
      for (const scoped of await readdir(path, { withFileTypes: true }).catch(() => [])) {
        dirs.push(join(path, scoped.name))
      }
    } else dirs.push(path)
  }
  return dirs
}

/** The node_modules folders Node would look in from a folder: its own and every parent's. */
function nodeModulesFrom(dir: string): string[] {
  const found: string[] = []
  for (let at = resolve(dir); ; at = dirname(at)) {
    const candidate = join(at, 'node_modules')
    if (existsSync(candidate)) found.push(candidate)
    if (dirname(at) === at) return found
  }
}

/** The file `import(package)` would load, following the exports map with the runner's conditions. */
function entryFile(dir: string, pkg: PackageJson): string {
  const conditions = fromSource ? ['@sluice/source', 'import', 'default'] : ['import', 'default']
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      const record = target as Record<string, unknown>
      if ('.' in record) return pick(record['.'])
      for (const condition of conditions) if (condition in record) return pick(record[condition])
    }
    return undefined
  }
  return join(dir, pick(pkg.exports) ?? pkg.main ?? 'index.js')
}

function typeFromPackage(name: string, kind: string): string {
  const base = name.split('/').pop() ?? name
  return base.startsWith(`${kind}-`) ? base.slice(kind.length + 1) : base
}

/**
 * Finds the connectors installed for a project, without a hard-coded list: every package in the
 * project's node_modules (and its parents') whose package.json has a `sluice` manifest, then the ones
 * bundled with the runner. A package found in the project wins over the runner's copy. Each is loaded
 * and checked against the contract; one that does not satisfy it is listed with what is wrong.
 */
export async function loadInstalledConnectors(configFile: string): Promise<InstalledConnectors> {
  const roots: Array<[string, InstalledConnector['origin']]> = [
    ...nodeModulesFrom(dirname(configFile)).map((dir) => [dir, 'project'] as [string, 'project']),
    ...nodeModulesFrom(runnerDir).map((dir) => [dir, 'runner'] as [string, 'runner']),
  ]
  const list: InstalledConnector[] = []
  const seen = new Set<string>()
  const loaded: {
    sources: Record<string, SourceConnector>
    destinations: Record<string, DestinationConnector>
  } = { sources: {}, destinations: {} }
  for (const [root, origin] of roots) {
    for (const dir of await packageDirs(root)) {
      const pkg = await readJson(join(dir, 'package.json'))
      const kind = pkg?.sluice?.kind
      if (!pkg?.name || (kind !== 'source' && kind !== 'destination') || seen.has(pkg.name)) continue
      seen.add(pkg.name)
      const connector: InstalledConnector = {
        package: pkg.name,
        version: pkg.version ?? '0.0.0',
        kind,
        type: typeFromPackage(pkg.name, kind),
        displayName: pkg.sluice?.displayName ?? pkg.name,
        description: pkg.sluice?.description ?? pkg.description ?? '',
        dir,
        origin,
        problems: [],
      }
      try {
        const module = (await import(pathToFileURL(entryFile(dir, pkg)).href)) as { default?: unknown }
        const candidate = module.default
        connector.problems =
          candidate === undefined
            ? ['it has no default export (export default defineDestination(…) or defineSource(…))']
            : kind === 'destination'
              ? destinationProblems(candidate)
              : sourceProblems(candidate)
        if (connector.problems.length === 0) {
          const named = candidate as SourceConnector | DestinationConnector
          connector.type = named.name
          if (kind === 'destination') loaded.destinations[named.name] = named as DestinationConnector
          else loaded.sources[named.name] = named as SourceConnector
        }
      } catch (error) {
        connector.problems = [`it does not load: ${error instanceof Error ? error.message : String(error)}`]
      }
      list.push(connector)
    }
  }
  return { list, loaded }
}
