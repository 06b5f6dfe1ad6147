import { pointer } from './errors.js'

/**
 * What `sluice validate` warns about without refusing the config: text that looks meant for the
 * environment but will be sent as written. Read from the resolved config, where every well-formed
 * `${env:NAME}` is already replaced, so what is left is a mistake. Warnings name the key, never the value.
 */
export interface ConfigWarning {
  /** a JSON pointer into the config: `/destinations/braze/config/apiKey` */
  path: string
  message: string
}

const SHELL_BRACES = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/
const SHELL_BARE = /(^|[^$\w])\$[A-Z_][A-Z0-9_]{2,}\b/

export function configWarnings(config: unknown): ConfigWarning[] {
  const warnings: ConfigWarning[] = []
  const visit = (node: unknown, at: string) => {
    if (typeof node === 'string') {
      const message = stringWarning(node)
      if (message) warnings.push({ path: at, message })
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, pointer(at, index))
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, pointer(at, key))
    }
  }
  if (typeof config === 'object' && config !== null) {
    const { sources, destinations, settings, syncs } = config as Record<string, unknown>
    visit(sources, '/sources')
    visit(destinations, '/destinations')
    visit(settings, '/settings')
    visit(syncs, '/syncs')
  }
  return warnings
}

function stringWarning(text: string): string | undefined {
  if (text.includes('${env:')) return 'an ${env:NAME} reference without its closing } is sent as written'
  if (SHELL_BRACES.test(text))
    return 'shell syntax ${NAME} is sent as written: write ${env:NAME} to read the environment'
  if (SHELL_BARE.test(text))
    return 'shell syntax $NAME is sent as written: write ${env:NAME} to read the environment'
  return undefined
}
