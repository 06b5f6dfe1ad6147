import { dirname, extname, relative } from 'node:path'
import {
  type Env,
  type LoadedConnectors,
  loadProject,
  type ResolvedProject,
  type ResolvedSync,
  SluiceError,
} from '@sluice/core'
import type { GlobalOptions } from '../framework/spec.js'
import { closest } from '../framework/suggest.js'
import { findConfigFile, loadDotEnv } from './config-file.js'
import { type InstalledConnectors, loadInstalledConnectors } from './connectors.js'
import { loadTypeScript } from './typescript.js'

/** A loaded project and the connectors installed for it: what every project command starts from. */
export interface Project {
  resolved: ResolvedProject
  connectors: LoadedConnectors
  installed: InstalledConnectors
  /** the config file as the user would name it */
  displayFile: string
}

export interface OpenOptions {
  /**
   * false for commands that only read the project's history (status, runs, records): they need no
   * credentials, so unset \${env:…} variables and the connectors' own settings are not checked.
   */
  connect?: boolean
}

/** The environment, with a stand-in for every unset variable: for commands that never connect. */
function withoutSecrets(env: NodeJS.ProcessEnv): Env {
  return new Proxy(env, {
    get: (target, name) => (typeof name === 'string' ? (target[name] ?? `unset:${name}`) : undefined),
  })
}

/**
 * Finds, loads and validates the project config, with the installed connectors' own schemas. Relative
 * paths inside connector settings (a DuckDB file) mean the project's folder, so the process moves there;
 * paths given on the command line were resolved against the caller's folder before this.
 */
export async function openProject(global: GlobalOptions, options: OpenOptions = {}): Promise<Project> {
  const file = findConfigFile(global.cwd, global.config)
  loadDotEnv(dirname(file))
  const connect = options.connect !== false
  // a sluice.json is parsed, not imported: only a config module needs the TypeScript loader
  if (extname(file) !== '.json') await loadTypeScript()
  // reading history loads no connector code
  const installed = connect ? await loadInstalledConnectors(file) : { list: [], loaded: {} }
  const displayFile = relative(global.cwd, file) || file
  const connectors = connect ? installed.loaded : undefined
  const env = connect ? process.env : withoutSecrets(process.env)
  let resolved: ResolvedProject
  try {
    resolved = await loadProject(file, { cwd: global.cwd, connectors, env })
  } catch (error) {
    // "no connector installed" is half the story when a package is there but unusable: name it.
    for (const broken of installed.list.filter((c) => c.problems.length > 0)) {
      process.stderr.write(
        `[sluice] ${broken.package}@${broken.version} is installed but is not a usable connector: ${broken.problems.join('; ')}\n`,
      )
    }
    throw error
  }
  process.chdir(resolved.dir)
  return { resolved, connectors: installed.loaded, installed, displayFile }
}

/** A sync by name, or a clear error with the closest name. */
export function requireSync(project: Project, name: string): ResolvedSync {
  const sync = project.resolved.syncs[name]
  if (sync) return sync
  const names = Object.keys(project.resolved.syncs)
  const guess = closest(name, names)
  throw new SluiceError(
    'config',
    `no sync "${name}" in ${project.displayFile}.${guess ? ` Did you mean "${guess}"?` : ''}`,
    {
      code: 'UNKNOWN_SYNC',
      hint: names.length > 0 ? `Syncs: ${names.join(', ')}.` : 'The project has no syncs.',
    },
  )
}
