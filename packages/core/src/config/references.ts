import { describeValue, oneOf, type Problem, pointer } from './errors.js'
import type { ProjectConfig } from './schema.js'

/**
 * Names that point at other entries: a model's source, a sync's model and destination, an `after`
 * schedule's sync, the warehouse logs' source. Each must exist, and sequences must not loop.
 */
export function referenceProblems(config: ProjectConfig, sound: (path: string) => boolean): Problem[] {
  const problems: Problem[] = []
  const expectName = (path: string, name: string, kind: string, pool: Record<string, unknown>) => {
    if (Object.hasOwn(pool, name)) return
    const names = Object.keys(pool)
    problems.push({
      path,
      expected: names.length === 0 ? `a ${kind}, but none is defined` : `a ${kind}: ${oneOf(names)}`,
      found: describeValue(name),
    })
  }

  // Each reference is checked on its own, so a problem elsewhere in the same entry does not hide it.
  const check = (entry: unknown, path: string, key: string, kind: string, pool: Record<string, unknown>) => {
    const at = pointer(path, key)
    const name = isRecord(entry) ? entry[key] : undefined
    if (typeof name === 'string' && sound(at)) expectName(at, name, kind, pool)
  }
  for (const [name, model] of Object.entries(config.models)) {
    check(model, pointer('/models', name), 'source', 'source', config.sources)
  }
  for (const [name, sync] of Object.entries(config.syncs)) {
    const path = pointer('/syncs', name)
    check(sync, path, 'model', 'model', config.models)
    check(sync, path, 'destination', 'destination', config.destinations)
    const schedulePath = pointer(path, 'schedule')
    if (sync?.schedule?.type === 'after' && sound(schedulePath)) {
      const at = pointer(schedulePath, 'sync')
      if (sync.schedule.sync === name) {
        problems.push({
          path: at,
          expected: 'another sync to run after',
          found: `${describeValue(name)} itself`,
        })
      } else {
        expectName(at, sync.schedule.sync, 'sync', config.syncs)
      }
    }
  }
  const logs = config.settings?.warehouseLogs
  if (logs?.enabled && sound('/settings/warehouseLogs')) {
    if (logs.source !== undefined) {
      expectName('/settings/warehouseLogs/source', logs.source, 'source', config.sources)
    } else if (Object.keys(config.sources).length !== 1) {
      problems.push({
        path: '/settings/warehouseLogs/source',
        expected: `the source to write logs into: ${oneOf(Object.keys(config.sources))}`,
        found: 'nothing',
      })
    }
  }
  problems.push(...sequenceCycles(config))
  return problems
}

/** `after` schedules form a graph; a cycle would mean no sync of it ever starts. */
function sequenceCycles(config: ProjectConfig): Problem[] {
  const next = new Map<string, string>()
  for (const [name, sync] of Object.entries(config.syncs)) {
    const schedule = isRecord(sync) ? sync.schedule : undefined
    if (schedule?.type === 'after' && typeof schedule.sync === 'string' && schedule.sync !== name) {
      if (Object.hasOwn(config.syncs, schedule.sync)) next.set(name, schedule.sync)
    }
  }
  const problems: Problem[] = []
  const reported = new Set<string>()
  // Each sync waits for at most one other, so following the chain from each sync finds every cycle.
  for (const start of next.keys()) {
    const chain: string[] = []
    let current: string | undefined = start
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current)
      current = next.get(current)
    }
    if (current === undefined) continue
    const cycle = chain.slice(chain.indexOf(current))
    const key = [...cycle].sort().join('\0')
    if (reported.has(key)) continue
    reported.add(key)
    // Reported once, at the cycle's first sync in config order, naming every step.
    const order = Object.keys(config.syncs)
    const first = cycle.reduce((a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b))
    const rotated = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first))]
    problems.push({
      path: `${pointer('/syncs', first)}/schedule/sync`,
      expected: 'a sequence that starts somewhere',
      found: `a cycle: ${rotated.map((sync) => `${sync} runs after ${next.get(sync)}`).join(', ')}`,
    })
  }
  return problems
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
