import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export interface PackageManager {
  name: 'pnpm' | 'yarn' | 'bun' | 'npm'
  /** the lockfile it was detected from, if any */
  lockfile?: string
  /** the command that adds packages to the project */
  add(packages: string[]): string[]
}

const MANAGERS: Array<[string, PackageManager['name']]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
]

/** The project's package manager, from the nearest lockfile (npm when there is none). */
export function detectPackageManager(projectDir: string): PackageManager {
  for (let dir = resolve(projectDir); ; dir = dirname(dir)) {
    for (const [file, name] of MANAGERS) {
      if (existsSync(join(dir, file))) return manager(name, join(dir, file))
    }
    if (dirname(dir) === dir) return manager('npm')
  }
}

function manager(name: PackageManager['name'], lockfile?: string): PackageManager {
  return {
    name,
    lockfile,
    add: (packages) => (name === 'npm' ? ['npm', 'install', ...packages] : [name, 'add', ...packages]),
  }
}
