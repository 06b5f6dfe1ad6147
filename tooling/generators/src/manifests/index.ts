import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BEHAVIOURS, type DestinationConnector, type SourceConnector } from '@sluice/core/contract'
import { entryPoint } from '@sluice/runner'

interface ManifestObject {
  name: string
  description?: string
  behaviours?: string[]
}

/** The `sluice` block of a connector's package.json, as far as this module reads and writes it. */
export interface Manifest {
  kind: 'source' | 'destination'
  export?: string
  behaviours?: string[]
  objects?: ManifestObject[]
  rateLimits?: Array<{ requests: number; perMs: number; scope?: string }>
  [key: string]: unknown
}

/**
 * A connector's `sluice` manifest with the facts its code declares written from the code: the
 * behaviours it supports, the objects it declares (name, description, behaviours) and its declared
 * rate limit. What only people read stays as written: names, descriptions, auth, docs, objects the code
 * cannot list (open-ended ones such as "any sheet"), and rate limits documented beyond the declared one
 * with their scopes. The runner refuses a package whose manifest disagrees with its code, so the two
 * can only differ until `pnpm manifests` runs.
 */
export function manifestFromCode(
  manifest: Manifest,
  connector: DestinationConnector | SourceConnector,
): Manifest {
  if (connector.kind !== 'destination') return manifest
  const caps = connector.capabilities
  const supported = new Set<string>([
    ...caps.behaviours,
    ...Object.values(caps.objects ?? {}).flatMap((o) => o.behaviours),
  ])
  const declared = Object.entries(caps.objects ?? {}).map(([name, o]): ManifestObject => {
    const written = manifest.objects?.find((w) => w.name === name)
    const description = o.description ?? written?.description
    return { name, ...(description ? { description } : {}), behaviours: [...o.behaviours] }
  })
  // Objects only the manifest names are display entries: their behaviours are the connector's.
  const displayOnly = (manifest.objects ?? [])
    .filter((w) => !caps.objects?.[w.name])
    .map(({ behaviours: _, ...entry }) => entry)
  const objects = [...declared, ...displayOnly]

  const limit = caps.rateLimit
  const documented = manifest.rateLimits ?? []
  const rateLimits =
    limit && !documented.some((r) => r.requests === limit.requests && r.perMs === limit.perMs)
      ? [{ requests: limit.requests, perMs: limit.perMs }, ...documented]
      : documented

  const fromCode: Partial<Manifest> = {
    behaviours: BEHAVIOURS.filter((b) => supported.has(b)),
    ...(objects.length > 0 ? { objects } : {}),
    ...(rateLimits.length > 0 ? { rateLimits } : {}),
  }
  // Keys keep the place the author gave them; those the code adds come last.
  const kept = Object.entries(manifest).filter(([key]) => key in fromCode || !GENERATED.has(key))
  return { ...Object.fromEntries(kept), ...fromCode } as Manifest
}

const GENERATED = new Set(['behaviours', 'objects', 'rateLimits'])

export interface ConnectorPackage {
  dir: string
  file: string
  pkg: { name: string; sluice: Manifest } & Record<string, unknown>
  /** the manifest as the code has it */
  generated: Manifest
}

/** Every connector package under `connectorsDir`, its code imported from its TypeScript sources. */
export async function connectorPackages(connectorsDir: string): Promise<ConnectorPackage[]> {
  const found: ConnectorPackage[] = []
  for (const name of readdirSync(connectorsDir).sort()) {
    const dir = join(connectorsDir, name)
    const file = join(dir, 'package.json')
    let pkg: ConnectorPackage['pkg']
    try {
      pkg = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue
    }
    if (!pkg.sluice) continue
    const entry = entryPoint(pkg, ['@sluice/source'])
    if (!entry) throw new Error(`${pkg.name}: its package.json names no entry point`)
    const module = (await import(pathToFileURL(join(dir, entry)).href)) as Record<string, unknown>
    const connector = module[(pkg.sluice.export as string | undefined) ?? 'default'] as
      | DestinationConnector
      | SourceConnector
    found.push({ dir, file, pkg, generated: manifestFromCode(pkg.sluice, connector) })
  }
  return found
}

/** Writes each connector's manifest from its code; returns the packages whose manifest changed. */
export async function writeManifests(connectorsDir: string): Promise<string[]> {
  const changed: string[] = []
  for (const { file, pkg, generated } of await connectorPackages(connectorsDir)) {
    if (JSON.stringify(pkg.sluice) === JSON.stringify(generated)) continue
    writeFileSync(file, `${JSON.stringify({ ...pkg, sluice: generated }, null, 2)}\n`)
    changed.push(pkg.name)
  }
  return changed
}
