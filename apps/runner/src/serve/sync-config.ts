import { redact } from '@sluice/core'
import type { Project } from '../project/project.js'

/** Keys whose values are credentials whatever they hold: masked whole, even when not registered. */
const SECRET_KEY = /secret|token|password|passphrase|api_?key|private|credential|auth/i

/** A copy of `value` with every secret masked: registered secrets anywhere, credential keys whole. */
export function masked(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) && value !== '' ? '***' : redact(value)
  if (Array.isArray(value)) return value.map((item) => masked(item, key))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, k)]))
  }
  return value
}

/**
 * A sync's configuration as the UI shows it, read-only: the sync as resolved (defaults filled in), its
 * model and its destination's settings, with secrets masked.
 */
export function syncConfigView(project: Project, name: string) {
  const sync = project.resolved.syncs[name]!
  const model = project.resolved.models[sync.model]
  const destination = project.resolved.destinations[sync.destination]
  return masked({
    sync,
    model: model ?? null,
    destination: destination
      ? { name: destination.name, type: destination.type, config: destination.config }
      : null,
  }) as Record<string, unknown>
}
