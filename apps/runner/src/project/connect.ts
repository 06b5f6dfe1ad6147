import {
  type ConnectorContext,
  type Destination,
  type Logger,
  redactingLogger,
  SluiceError,
  type Source,
  silentLogger,
} from '@sluice/core'
import type { Project } from './project.js'

/** Connector log lines go to stderr when SLUICE_DEBUG is set, redacted like everything else. */
export function cliLogger(): Logger {
  if (!process.env.SLUICE_DEBUG) return silentLogger
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`)
  return redactingLogger({
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  })
}

export function connectorContext(
  signal: AbortSignal = new AbortController().signal,
  log: Logger = cliLogger(),
): ConnectorContext {
  return { signal, log }
}

function missing(kind: 'source' | 'destination', name: string, type: string): SluiceError {
  return new SluiceError('config', `${kind} "${name}" uses the ${type} connector, which is not installed.`, {
    code: 'CONNECTOR_NOT_INSTALLED',
    hint: `Run "sluice connectors add ${type}".`,
  })
}

/**
 * A source or destination whose config names an environment variable that is not set: its syncs
 * cannot run, and say which variable; the project's other syncs are not held up by it.
 */
export function unavailableError(project: Project, kind: 'source' | 'destination', name: string) {
  const issues = project.resolved.unavailable[`/${kind}s/${name}`]
  if (!issues || issues.length === 0) return undefined
  return new SluiceError(
    'config',
    `${kind} "${name}" cannot be used: ${issues.map((issue) => `${issue.path}: expected ${issue.expected}, found ${issue.found}`).join('; ')}.`,
    {
      code: 'MISSING_VARIABLE',
      hint: `Set the variable in the environment, or in .env next to ${project.displayFile}.`,
    },
  )
}

export function connectDestination(project: Project, name: string, ctx: ConnectorContext): Destination {
  const destination = project.resolved.destinations[name]
  if (!destination)
    throw unknownName(project, 'destination', name, Object.keys(project.resolved.destinations))
  const unavailable = unavailableError(project, 'destination', name)
  if (unavailable) throw unavailable
  const connector = project.connectors.destinations?.[destination.type]
  if (!connector) throw missing('destination', name, destination.type)
  return connector.connect(destination.config, ctx)
}

export function connectSource(project: Project, name: string, ctx: ConnectorContext): Source {
  const source = project.resolved.sources[name]
  if (!source) throw unknownName(project, 'source', name, Object.keys(project.resolved.sources))
  const unavailable = unavailableError(project, 'source', name)
  if (unavailable) throw unavailable
  const connector = project.connectors.sources?.[source.type]
  if (!connector) throw missing('source', name, source.type)
  return connector.connect(source.config, ctx)
}

function unknownName(project: Project, kind: string, name: string, names: string[]): SluiceError {
  return new SluiceError('config', `no ${kind} "${name}" in ${project.displayFile}.`, {
    code: 'UNKNOWN_NAME',
    hint: names.length > 0 ? `${kind}s: ${names.join(', ')}.` : undefined,
  })
}
