import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { esModuleNamespace } from '@sluice/core'
import {
  type DestinationConnector,
  destinationProblems,
  SluiceError,
  type SourceConnector,
  sourceProblems,
} from '@sluice/core/contract'
import { type ConnectorManifest, connectorId, manifestProblems } from './manifest.js'

/**
 * Finding and loading connector packages. A project installs only the connectors it uses; they are
 * found by the `sluice` block in their package.json, never from a list, and what is loaded is checked
 * against the contract before the runner uses it.
 */
export interface InstalledConnectorPackage {
  packageName: string
  version: string
  /** the package's folder */
  dir: string
  /** the connector id, used as `type` in a project config */
  id: string
  manifest: ConnectorManifest
  /** what is wrong with the manifest (empty when fine); such packages are listed so the runner can say so */
  problems: string[]
}

export interface LoadedConnector extends Omit<InstalledConnectorPackage, 'problems'> {
  connector: DestinationConnector | SourceConnector
}

export interface LoadConnectorOptions {
  /**
   * Export conditions to prefer when reading the package's `exports`, before `import` and `default`;
   * inside this repository `['@sluice/source']` loads connectors from their TypeScript source.
   */
  conditions?: string[]
}

interface PackageJson {
  name?: string
  version?: string
  main?: string
  exports?: unknown
  sluice?: unknown
}

/**
 * The connector packages installed for a project: every package in its `node_modules` (and in those of
 * the folders above it, as Node resolves them) whose package.json has a `sluice` block. The nearest
 * copy of a package wins.
 */
export async function findInstalledConnectors(projectDir: string): Promise<InstalledConnectorPackage[]> {
  const found = new Map<string, InstalledConnectorPackage>()
  for (const nodeModules of nodeModulesFrom(projectDir)) {
    for (const dir of await packageDirs(nodeModules)) {
      const pkg = await readPackageJson(dir)
      if (!pkg?.name || pkg.sluice === undefined || found.has(pkg.name)) continue
      const problems = manifestProblems(pkg.sluice)
      const manifest = pkg.sluice as ConnectorManifest
      found.set(pkg.name, {
        packageName: pkg.name,
        version: pkg.version ?? '0.0.0',
        dir,
        id: problems.length === 0 ? connectorId(pkg.name, manifest) : pkg.name,
        manifest,
        problems,
      })
    }
  }
  return [...found.values()].sort((a, b) => a.packageName.localeCompare(b.packageName))
}

/**
 * Imports a connector package as Node would resolve it from `fromDir`, and checks what it exports:
 * the manifest, the contract (`destinationProblems` / `sourceProblems`) and that the two agree. Anything
 * wrong fails with the package's name and the list of what is missing.
 */
export async function loadConnector(
  packageName: string,
  fromDir: string,
  options: LoadConnectorOptions = {},
): Promise<LoadedConnector> {
  const dir = locatePackage(packageName, fromDir)
  if (!dir) {
    throw new SluiceError('config', `package "${packageName}" is not installed (looked from ${fromDir})`, {
      code: 'CONNECTOR_NOT_INSTALLED',
      hint: `Install it in the project: pnpm add ${packageName}`,
    })
  }
  return loadConnectorAt(dir, options)
}

/** Loads and checks the connector package in `dir`, as `loadConnector` does once it has found it. */
export async function loadConnectorAt(
  dir: string,
  options: LoadConnectorOptions = {},
): Promise<LoadedConnector> {
  const pkg = await readPackageJson(dir)
  const packageName = pkg?.name ?? dir
  const fail = (problems: string[], cause?: unknown) =>
    new SluiceError(
      'config',
      `package "${packageName}" is not a usable Sluice connector: ${problems.join('; ')}`,
      {
        code: 'INVALID_CONNECTOR',
        hint: 'Check that the package is a Sluice connector and that its version matches this runner.',
        cause,
      },
    )
  if (!pkg) throw fail(['its package.json cannot be read'])
  if (pkg.sluice === undefined) throw fail(['its package.json has no "sluice" block'])
  const manifestIssues = manifestProblems(pkg.sluice)
  if (manifestIssues.length > 0) throw fail(manifestIssues)
  const manifest = pkg.sluice as ConnectorManifest

  const entry = entryPoint(pkg, options.conditions ?? [])
  if (!entry) throw fail(['its package.json names no entry point ("exports" or "main")'])
  let module: Record<string, unknown>
  try {
    module = esModuleNamespace(await import(pathToFileURL(join(dir, entry)).href))
  } catch (cause) {
    throw fail(
      [`importing ${entry} failed: ${cause instanceof Error ? cause.message : String(cause)}`],
      cause,
    )
  }
  const exportName = manifest.export ?? 'default'
  const connector = module[exportName]
  if (connector === undefined) throw fail([`it has no "${exportName}" export`])

  const problems =
    manifest.kind === 'destination' ? destinationProblems(connector) : sourceProblems(connector)
  if (problems.length === 0)
    problems.push(...manifestMismatches(packageName, manifest, connector as LoadedConnector['connector']))
  if (problems.length > 0) throw fail(problems)
  return {
    packageName,
    version: pkg.version ?? '0.0.0',
    dir,
    id: connectorId(packageName, manifest),
    manifest,
    connector: connector as LoadedConnector['connector'],
  }
}

/**
 * Where a manifest and the code disagree: kind, id, and for destinations the behaviours (the manifest's
 * are every behaviour the capabilities name, on any object), per-object behaviours and rate limits.
 */
export function manifestMismatches(
  packageName: string,
  manifest: ConnectorManifest,
  connector: DestinationConnector | SourceConnector,
): string[] {
  const problems: string[] = []
  const id = connectorId(packageName, manifest)
  if (connector.kind !== manifest.kind)
    problems.push(`the manifest says ${manifest.kind}, the code is a ${connector.kind}`)
  if (connector.name !== id)
    problems.push(`the manifest's id is "${id}", the connector's name is "${connector.name}"`)
  if (connector.kind !== 'destination' || manifest.kind !== 'destination') return problems

  const caps = connector.capabilities
  const declared = new Set<string>([
    ...caps.behaviours,
    ...Object.values(caps.objects ?? {}).flatMap((o) => o.behaviours),
  ])
  const listed = new Set<string>(manifest.behaviours ?? [])
  const missing = [...declared].filter((b) => !listed.has(b))
  const extra = [...listed].filter((b) => !declared.has(b))
  if (missing.length)
    problems.push(`sluice.behaviours lacks ${missing.join(', ')}, which the connector declares`)
  if (extra.length)
    problems.push(`sluice.behaviours lists ${extra.join(', ')}, which the connector does not declare`)

  for (const object of manifest.objects ?? []) {
    const code = caps.objects?.[object.name]?.behaviours
    if (object.behaviours && code && !sameSet(object.behaviours, code)) {
      problems.push(
        `sluice.objects "${object.name}" lists ${object.behaviours.join(', ')}, the code ${code.join(', ')}`,
      )
    }
  }
  for (const name of Object.keys(caps.objects ?? {})) {
    if (!(manifest.objects ?? []).some((o) => o.name === name))
      problems.push(`sluice.objects lacks "${name}", which the connector declares`)
  }
  const limit = caps.rateLimit
  if (
    limit &&
    !(manifest.rateLimits ?? []).some((r) => r.requests === limit.requests && r.perMs === limit.perMs)
  ) {
    problems.push(`sluice.rateLimits lacks the declared ${limit.requests} requests per ${limit.perMs} ms`)
  }
  return problems
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

/** The module file an `exports` map (or `main`) points at for an import with these conditions. */
export function entryPoint(pkg: PackageJson, conditions: string[]): string | undefined {
  const order = [...conditions, 'import', 'node', 'default']
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target
    if (Array.isArray(target)) return target.map(pick).find((t) => t !== undefined)
    if (target && typeof target === 'object') {
      const map = target as Record<string, unknown>
      for (const key of order) if (key in map) return pick(map[key])
    }
    return undefined
  }
  const exports = pkg.exports
  if (exports !== undefined) {
    const root =
      typeof exports === 'object' && exports !== null && !Array.isArray(exports) && '.' in exports
        ? (exports as Record<string, unknown>)['.']
        : exports
    return pick(root)
  }
  return pkg.main ?? 'index.js'
}

function locatePackage(packageName: string, fromDir: string): string | undefined {
  for (const nodeModules of nodeModulesFrom(fromDir)) {
    const dir = join(nodeModules, ...packageName.split('/'))
    if (existsSync(join(dir, 'package.json'))) return dir
  }
  return undefined
}

async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

/** The node_modules folders Node looks in from a folder: its own, then every parent's. */
function nodeModulesFrom(dir: string): string[] {
  const found: string[] = []
  for (let at = resolve(dir); ; at = dirname(at)) {
    const candidate = join(at, 'node_modules')
    if (existsSync(candidate)) found.push(candidate)
    if (dirname(at) === at) return found
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
      for (const scoped of await readdir(path).catch(() => [])) dirs.push(join(path, scoped))
    } else dirs.push(path)
  }
  return dirs
}
