import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadedConnectors } from '@sluice/core'
import { type DestinationConnector, isSluiceError, type SourceConnector } from '@sluice/core/contract'
import { findInstalledConnectors, loadConnector } from '../discovery/registry.js'
import { loadTypeScript } from './typescript.js'

/** A connector package installed for a project, as `sluice connectors` lists it. */
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

const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Inside the repository the runner runs from TypeScript source, and so do the connectors it loads. */
const conditions = import.meta.url.endsWith('.ts') ? ['@sluice/source'] : []

/**
 * The connectors installed for a project, found by the `sluice` manifest in their package.json (never
 * from a list): the project's own node_modules first, then the ones bundled with the runner. Each is
 * loaded and checked against the contract; one that does not satisfy it is listed with what is wrong.
 */
export async function loadInstalledConnectors(configFile: string): Promise<InstalledConnectors> {
  const projectDir = dirname(configFile)
  // a connector package may be TypeScript (one being written in the project)
  await loadTypeScript()
  const list: InstalledConnector[] = []
  const loaded: {
    sources: Record<string, SourceConnector>
    destinations: Record<string, DestinationConnector>
  } = {
    sources: {},
    destinations: {},
  }
  const seen = new Set<string>()
  for (const [fromDir, origin] of [
    [projectDir, 'project'],
    [runnerDir, 'runner'],
  ] as const) {
    for (const found of await findInstalledConnectors(fromDir)) {
      if (seen.has(found.packageName)) continue
      seen.add(found.packageName)
      const connector: InstalledConnector = {
        package: found.packageName,
        version: found.version,
        kind: found.manifest.kind,
        type: found.id,
        displayName: found.manifest.displayName ?? found.packageName,
        description: found.manifest.description ?? '',
        dir: found.dir,
        origin,
        problems: [...found.problems],
      }
      if (connector.problems.length === 0) {
        try {
          const { connector: code } = await loadConnector(found.packageName, fromDir, { conditions })
          if (code.kind === 'destination') loaded.destinations[code.name] = code
          else loaded.sources[code.name] = code
        } catch (error) {
          // the list already names the package; keep only what is wrong with it
          const message = error instanceof Error ? error.message : String(error)
          const hint = isSluiceError(error) && error.hint ? ` ${error.hint}` : ''
          connector.problems.push(
            message
              .replace(hint, '')
              .replace(/^\[sluice\] package "[^"]+" is not a usable Sluice connector: /, ''),
          )
        }
      }
      list.push(connector)
    }
  }
  return { list, loaded }
}
