import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A connector the marketplace catalog lists, installed or not. */
export interface CatalogEntry {
  package: string
  kind: 'source' | 'destination'
  type: string
  displayName: string
  description: string
  version?: string
  behaviours?: string[]
  /** the connector's conformance result when the catalog was built: passing, failing … */
  conformance?: string
}

const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Where the catalog is read from: `SLUICE_MARKETPLACE` (a file), else the copy shipped with the runner
 * (`pnpm marketplace` writes it).
 */
export function catalogFiles(): string[] {
  return [process.env.SLUICE_MARKETPLACE, resolve(runnerDir, 'marketplace.json')].filter(
    (file): file is string => file !== undefined,
  )
}

function entryFrom(raw: Record<string, unknown>): CatalogEntry | undefined {
  const pkg = (raw.package ?? raw.packageName ?? raw.name) as string | undefined
  const kind = (raw.kind ?? (raw.manifest as Record<string, unknown> | undefined)?.kind) as string | undefined
  if (typeof pkg !== 'string' || (kind !== 'source' && kind !== 'destination')) return undefined
  const base = pkg.split('/').pop() ?? pkg
  return {
    package: pkg,
    kind,
    type: (raw.type ??
      raw.id ??
      (base.startsWith(`${kind}-`) ? base.slice(kind.length + 1) : base)) as string,
    displayName: (raw.displayName ?? pkg) as string,
    description: (raw.description ?? '') as string,
    version: raw.version as string | undefined,
    behaviours: Array.isArray(raw.behaviours) ? (raw.behaviours as string[]) : undefined,
    conformance: (raw.conformance as { status?: string } | undefined)?.status,
  }
}

/** The catalog's connectors; empty when no catalog is found. */
export async function readCatalog(): Promise<{ file?: string; entries: CatalogEntry[] }> {
  for (const file of catalogFiles()) {
    if (!existsSync(file)) continue
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown
    const list = Array.isArray(parsed) ? parsed : ((parsed as { connectors?: unknown[] }).connectors ?? [])
    return {
      file,
      entries: (list as Record<string, unknown>[])
        .map(entryFrom)
        .filter((e): e is CatalogEntry => e !== undefined),
    }
  }
  return { entries: [] }
}
