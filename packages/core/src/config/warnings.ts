import { type LoadedConnectors, secretPaths } from './connectors.js'
import { pointer } from './errors.js'
import { ProjectConfig } from './schema.js'

/**
 * What `sluice validate` warns about without refusing the config: text that looks meant for the
 * environment but will be sent as written, and secrets written into the file itself, where anyone who
 * can read the repository can read them. Read from the env-resolved config, where every well-formed
 * `${env:NAME}` is already replaced, so what is left is a mistake. Warnings name the key, never the value.
 */
export interface ConfigWarning {
  /** a JSON pointer into the config: `/destinations/braze/config/apiKey` */
  path: string
  message: string
}

export interface WarningOptions {
  /** JSON pointer → the string as written, for every string that held an `${env:…}` reference */
  references?: ReadonlyMap<string, string>
  /** the installed connectors, whose config schemas mark their secrets */
  connectors?: LoadedConnectors
}

const SHELL_BRACES = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/
const SHELL_BARE = /(^|[^$\w])\$[A-Z_][A-Z0-9_]{2,}\b/
const LITERAL_SECRET =
  'a secret written in the config file, readable by anyone who can read the file: write ${env:NAME} and set NAME in the environment'
const LITERAL_PASSWORD =
  'a URL with its password written in the config file: write the URL (or the password) as ${env:NAME}'

export function configWarnings(config: unknown, options: WarningOptions = {}): ConfigWarning[] {
  if (typeof config !== 'object' || config === null) return []
  const references = options.references ?? new Map<string, string>()
  const warnings = new Map<string, string>()
  const visit = (node: unknown, at: string) => {
    if (typeof node === 'string') {
      const message = stringWarning(node) ?? (references.has(at) ? undefined : urlPasswordWarning(node))
      if (message) warnings.set(at, message)
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, pointer(at, index))
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, pointer(at, key))
    }
  }
  const { sources, destinations, settings, syncs } = config as Record<string, unknown>
  visit(sources, '/sources')
  visit(destinations, '/destinations')
  visit(settings, '/settings')
  visit(syncs, '/syncs')
  // A secret field holding a value that no `${env:…}` produced was typed into the file.
  for (const path of literalSecrets(config as ProjectConfig, options.connectors ?? {})) {
    if (!references.has(path) && !warnings.has(path)) warnings.set(path, LITERAL_SECRET)
  }
  return [...warnings].map(([path, message]) => ({ path, message }))
}

function stringWarning(text: string): string | undefined {
  if (text.includes('${env:')) return 'an ${env:NAME} reference without its closing } is sent as written'
  if (SHELL_BRACES.test(text))
    return 'shell syntax ${NAME} is sent as written: write ${env:NAME} to read the environment'
  if (SHELL_BARE.test(text))
    return 'shell syntax $NAME is sent as written: write ${env:NAME} to read the environment'
  return undefined
}

/** `postgres://user:hunter2@host/db` typed into the file: the password is in the repository. */
function urlPasswordWarning(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i.test(text)) return undefined
  try {
    return new URL(text).password ? LITERAL_PASSWORD : undefined
  } catch {
    return undefined
  }
}

/** Pointers to every non-empty string in a field that the project's or a connector's schema marks secret. */
function literalSecrets(config: ProjectConfig, connectors: LoadedConnectors): string[] {
  const paths = [...secretPaths(ProjectConfig, config, '')]
  const blocks = [
    ['sources', config.sources, connectors.sources],
    ['destinations', config.destinations, connectors.destinations],
  ] as const
  for (const [kind, entries, available] of blocks) {
    for (const [name, block] of Object.entries(entries ?? {})) {
      const connector = available && Object.hasOwn(available, block.type) ? available[block.type] : undefined
      if (connector)
        paths.push(
          ...secretPaths(connector.config, block.config ?? {}, pointer(pointer(`/${kind}`, name), 'config')),
        )
    }
  }
  return paths.filter((path) => typeof valueAt(config, path) === 'string' && valueAt(config, path) !== '')
}

function valueAt(root: unknown, path: string): unknown {
  let node = root
  for (const raw of path.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}
