import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const run = promisify(execFile)

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url))

export interface PackageJson {
  name: string
  version: string
  private?: boolean
  exports?: Record<string, unknown>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

export interface WorkspacePackage {
  name: string
  /** the package's folder, relative to the repository */
  dir: string
  manifest: PackageJson
}

const GROUPS = ['packages', 'connectors', 'apps', 'tooling']

/** Every package of the workspace that is published: the ones not marked private. */
export function publishablePackages(): WorkspacePackage[] {
  const found: WorkspacePackage[] = []
  for (const group of GROUPS) {
    for (const name of readdirSync(join(REPO, group))) {
      const file = join(REPO, group, name, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as PackageJson
      if (manifest.private === true) continue
      found.push({ name: manifest.name, dir: `${group}/${name}`, manifest })
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** pnpm as the repository pins it: `pnpm pack` rewrites `workspace:` ranges and applies `publishConfig`. */
const PNPM = ['-y', 'pnpm@12.4.2']

/**
 * Packs every publishable package into `destination` with `pnpm pack`, as `pnpm publish` would upload
 * it, and returns each package's tarball by name. The packages must be built (their `dist/`).
 */
export async function packAll(destination: string): Promise<Map<string, string>> {
  const packages = publishablePackages()
  await run(
    'npx',
    [
      ...PNPM,
      '--recursive',
      ...packages.flatMap((p) => ['--filter', p.name]),
      'pack',
      '--pack-destination',
      destination,
    ],
    { cwd: REPO, maxBuffer: 64 * 1024 * 1024 },
  )
  const tarballs = new Map<string, string>()
  for (const p of packages) {
    const file = join(destination, `${p.name.replace(/^@/, '').replace('/', '-')}-${p.manifest.version}.tgz`)
    if (!existsSync(file)) throw new Error(`pnpm pack wrote no ${file} for ${p.name}`)
    tarballs.set(p.name, file)
  }
  return tarballs
}

/** Unpacks a tarball into `destination` (npm tarballs hold one `package/` folder) and returns that folder. */
export async function unpack(tarball: string, destination: string): Promise<string> {
  await run('tar', ['-xzf', tarball, '-C', destination])
  return join(destination, 'package')
}

/** Every file under a folder, as paths relative to it. */
export function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...filesUnder(dir, path))
    else out.push(path)
  }
  return out.sort()
}
