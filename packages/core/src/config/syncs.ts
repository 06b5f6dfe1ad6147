import { describeValue, type Problem, pointer } from './errors.js'
import { mappingProblems } from './mappings.js'
import { scheduleProblems } from './schedule.js'
import type { ModelConfig, SyncConfig } from './schema.js'

/** Rules about one sync that the schema cannot express. */
export function syncProblems(
  sync: SyncConfig,
  path: string,
  model: ModelConfig | undefined,
  sound: (path: string) => boolean,
  smtp = false,
  fromEnv: (path: string) => boolean = () => false,
): Problem[] {
  const problems: Problem[] = []
  const fine = (...keys: string[]) => keys.every((key) => sound(pointer(path, key)))
  if (
    sync.deleteBehaviour !== undefined &&
    sync.behaviour !== 'mirror' &&
    fine('behaviour', 'deleteBehaviour')
  ) {
    problems.push({
      path: pointer(path, 'deleteBehaviour'),
      expected: 'no deleteBehaviour, which only applies to behaviour "mirror"',
      found: `${describeValue(sync.deleteBehaviour)} with behaviour ${describeValue(sync.behaviour)}`,
    })
  }
  // Mirror acts on rows that left the model; a cursor only reads rows past it, so it never sees them.
  // Delete is fine: it acts on the rows the model returns, which a cursor reads like any other.
  if (sync.behaviour === 'mirror' && typeof model?.cursor === 'string' && fine('behaviour')) {
    problems.push({
      path: pointer(path, 'behaviour'),
      expected: `a behaviour other than mirror, because model ${describeValue(sync.model)} reads by cursor ${describeValue(model.cursor)} and cannot see removed rows`,
      found: '"mirror"',
    })
  }
  if (fine('mappings', 'identifier')) {
    problems.push(...mappingProblems(sync.mappings ?? [], sync.identifier, pointer(path, 'mappings')))
  }
  if (sync.schedule && fine('schedule'))
    problems.push(...scheduleProblems(sync.schedule, pointer(path, 'schedule')))
  if (!fine('alerts')) return problems
  sync.alerts?.forEach((alert, index) => {
    const at = pointer(pointer(path, 'alerts'), index)
    if (alert.on === 'rejected_rate' && alert.threshold === undefined) {
      problems.push({
        path: pointer(at, 'threshold'),
        expected: 'a share of rows between 0 and 1',
        found: 'nothing',
      })
    }
    if (alert.on !== 'rejected_rate' && alert.threshold !== undefined) {
      problems.push({
        path: pointer(at, 'threshold'),
        expected: 'no threshold, which only applies to alerts on rejected_rate',
        found: describeValue(alert.threshold),
      })
    }
    if (alert.webhook === undefined && alert.slack === undefined && alert.email === undefined) {
      problems.push({ path: at, expected: 'an alert with a webhook, slack or email', found: 'none of them' })
    }
    // A value from an env reference is not shown, nor judged by its form: commands that never
    // connect see a stand-in for it.
    const literal = (path: string, value: string) => !fromEnv(path) && !value.includes('${env:')
    for (const key of ['webhook', 'slack'] as const) {
      const value = alert[key]
      if (value !== undefined && literal(pointer(at, key), value) && !isHttpUrl(value)) {
        problems.push({ path: pointer(at, key), expected: 'an http(s) URL', found: describeValue(value) })
      }
    }
    if (
      alert.email !== undefined &&
      literal(pointer(at, 'email'), alert.email) &&
      !/^[^@\s]+@[^@\s]+$/.test(alert.email)
    ) {
      problems.push({
        path: pointer(at, 'email'),
        expected: 'an email address',
        found: describeValue(alert.email),
      })
    }
    if (alert.email !== undefined && !smtp) {
      problems.push({
        path: pointer(at, 'email'),
        expected: 'settings.smtp, the server that sends alert emails',
        found: 'no settings.smtp',
      })
    }
  })
  return problems
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
