import { describe, expect, it } from 'vitest'
import { ConfigError, type ConfigIssue, resolveProject, SluiceError } from '../src/index.js'
import { connectors, env, type Loose, validProject } from './fixtures/config/connectors.js'

interface BadCase {
  name: string
  change: (project: Loose) => void
  env?: Record<string, string>
  /** every issue's full message, in order */
  messages: string[]
}

const cases: BadCase[] = [
  {
    name: 'a number given as text',
    change: (p) => {
      p.syncs.contacts.batching = { size: '50' }
    },
    messages: ['sluice.json: /syncs/contacts/batching/size: expected a whole number, found "50"'],
  },
  {
    name: 'a list where an object belongs',
    change: (p) => {
      p.syncs.contacts.identifier = ['id', 'external_id']
    },
    messages: [
      'sluice.json: /syncs/contacts/identifier: expected the matching identifier: a model column ↔ a destination field, found a list of 2',
    ],
  },
  {
    name: 'an unknown behaviour',
    change: (p) => {
      p.syncs.contacts.behaviour = 'upsertt'
    },
    messages: [
      'sluice.json: /syncs/contacts/behaviour: expected one of upsert | update | create | mirror | append | delete, found "upsertt"',
    ],
  },
  {
    name: 'a behaviour the destination does not support',
    change: (p) => {
      p.syncs.contacts.behaviour = 'create'
    },
    messages: [
      'sluice.json: /syncs/contacts/behaviour: expected a behaviour crm supports: one of upsert | update | mirror, found "create"',
    ],
  },
  {
    name: 'a behaviour the destination object does not support',
    change: (p) => {
      p.syncs.orders.behaviour = 'upsert'
    },
    messages: [
      'sluice.json: /syncs/orders/behaviour: expected a behaviour crm supports for object "events": append, found "upsert"',
    ],
  },
  {
    name: 'a missing identifier',
    change: (p) => {
      delete p.syncs.contacts.identifier
    },
    messages: [
      'sluice.json: /syncs/contacts/identifier: expected the matching identifier: a model column ↔ a destination field, found nothing',
    ],
  },
  {
    name: 'an identifier without its destination field',
    change: (p) => {
      p.syncs.contacts.identifier = { column: 'id' }
    },
    messages: [
      'sluice.json: /syncs/contacts/identifier/field: expected the destination field that matches records, found nothing',
    ],
  },
  {
    name: 'two mappings to the same field',
    change: (p) => {
      p.syncs.contacts.mappings.push({ from: 'work_email', to: 'email' })
    },
    messages: [
      'sluice.json: /syncs/contacts/mappings/2/to: expected a field no other mapping writes (/syncs/contacts/mappings/0/to writes "email"), found "email"',
    ],
  },
  {
    name: 'a mapping into a field that another mapping writes whole',
    change: (p) => {
      p.syncs.contacts.mappings.push(
        { object: [{ from: 'city', to: 'city' }], to: 'address' },
        { from: 'zip', to: 'address.zip' },
      )
    },
    messages: [
      'sluice.json: /syncs/contacts/mappings/3/to: expected a field no other mapping writes (/syncs/contacts/mappings/2/to writes "address"), found "address.zip"',
    ],
  },
  {
    name: 'the identifier field mapped from another column',
    change: (p) => {
      p.syncs.contacts.mappings.push({ from: 'legacy_id', to: 'external_id' })
    },
    messages: [
      'sluice.json: /syncs/contacts/mappings/2/to: expected a field other than the identifier field "external_id", which always carries the column "id", found "external_id"',
    ],
  },
  {
    name: 'sequences that form a cycle',
    change: (p) => {
      p.syncs.contacts.schedule = { type: 'after', sync: 'orders' }
    },
    messages: [
      'sluice.json: /syncs/contacts/schedule/sync: expected a sequence that starts somewhere, found a cycle: contacts runs after orders, orders runs after contacts',
    ],
  },
  {
    name: 'a sync that runs after itself',
    change: (p) => {
      p.syncs.orders.schedule = { type: 'after', sync: 'orders' }
    },
    messages: [
      'sluice.json: /syncs/orders/schedule/sync: expected another sync to run after, found "orders" itself',
    ],
  },
  {
    name: 'a bad cron expression',
    change: (p) => {
      p.syncs.contacts.schedule = { type: 'cron', expression: '61 * * * *' }
    },
    messages: [
      'sluice.json: /syncs/contacts/schedule/expression: expected a cron expression of five fields (minute hour day month weekday), or six with seconds first, found "61 * * * *" (Invalid value for minute: 61)',
    ],
  },
  {
    name: 'an unknown time zone',
    change: (p) => {
      p.syncs.contacts.schedule = { type: 'cron', expression: '0 6 * * *', timezone: 'Europe/Atlantis' }
    },
    messages: [
      'sluice.json: /syncs/contacts/schedule/timezone: expected an IANA time zone such as UTC or Europe/Paris, found "Europe/Atlantis"',
    ],
  },
  {
    name: 'a bad interval',
    change: (p) => {
      p.syncs.contacts.schedule = { type: 'interval', every: '15 minutes' }
    },
    messages: [
      'sluice.json: /syncs/contacts/schedule/every: expected an interval: a whole number and a unit s, m, h, d or w (30s, 15m, 1h, 1d), found "15 minutes"',
    ],
  },
  {
    name: 'an unknown schedule type',
    change: (p) => {
      p.syncs.contacts.schedule = { type: 'hourly' }
    },
    messages: [
      'sluice.json: /syncs/contacts/schedule/type: expected one of manual | interval | cron | after, found "hourly"',
    ],
  },
  {
    name: 'an unset environment variable outside a source or destination',
    change: (p) => {
      p.settings = { state: { backend: 'postgres', url: '${env:STATE_URL}' } }
    },
    messages: [
      'sluice.json: /settings/state/url: expected the environment variable STATE_URL to be set, found it unset',
    ],
  },
  {
    name: 'a malformed environment reference',
    change: (p) => {
      p.sources.warehouse.config.path = '${env:WAREHOUSE-PATH}'
    },
    messages: [
      'sluice.json: /sources/warehouse/config/path: expected an environment variable name of letters, digits and _ in ${env:NAME}, found "${env:WAREHOUSE-PATH}"',
    ],
  },
  {
    name: 'a misspelt key',
    change: (p) => {
      p.syncs.contacts.behavior = 'upsert'
    },
    messages: ['sluice.json: /syncs/contacts/behavior: expected "behaviour", found unknown key "behavior"'],
  },
  {
    name: 'an unknown key',
    change: (p) => {
      p.settings = { retention: 30 }
    },
    messages: [
      'sluice.json: /settings/retention: expected one of the keys org | state | lake | retentionDays | rejectedRetryDays | warehouseLogs | smtp | workers | rateLimits | maxConcurrentRuns, found unknown key "retention"',
    ],
  },
  {
    name: 'a misspelt mapping key',
    change: (p) => {
      p.syncs.contacts.mappings[0] = { frm: 'email', to: 'email' }
    },
    messages: ['sluice.json: /syncs/contacts/mappings/0/frm: expected "from", found unknown key "frm"'],
  },
  {
    name: 'a sync reading a model that does not exist',
    change: (p) => {
      p.syncs.contacts.model = 'user'
    },
    messages: ['sluice.json: /syncs/contacts/model: expected a model: one of users | orders, found "user"'],
  },
  {
    name: 'a sync writing to a destination that does not exist',
    change: (p) => {
      p.syncs.contacts.destination = 'hubspot'
    },
    messages: ['sluice.json: /syncs/contacts/destination: expected a destination: crm, found "hubspot"'],
  },
  {
    name: 'a model reading a source that does not exist',
    change: (p) => {
      p.models.users.source = 'snowflake'
    },
    messages: ['sluice.json: /models/users/source: expected a source: warehouse, found "snowflake"'],
  },
  {
    name: 'a model that is both a table and a query',
    change: (p) => {
      p.models.users.sql = 'select * from users'
    },
    messages: [
      'sluice.json: /models/users: expected only one of table | view | sql | dbt, found table and sql',
    ],
  },
  {
    name: 'a model that says nothing about what to read',
    change: (p) => {
      p.models.users = { source: 'warehouse' }
    },
    messages: [
      'sluice.json: /models/users: expected one of the keys table | view | sql | dbt, found an object with "source"',
    ],
  },
  {
    name: 'a delete behaviour without mirror',
    change: (p) => {
      p.syncs.contacts.deleteBehaviour = 'clear'
    },
    messages: [
      'sluice.json: /syncs/contacts/deleteBehaviour: expected no deleteBehaviour, which only applies to behaviour "mirror", found "clear" with behaviour "upsert"',
    ],
  },
  {
    name: 'a delete behaviour the destination does not support',
    change: (p) => {
      p.syncs.contacts.behaviour = 'mirror'
      p.syncs.contacts.deleteBehaviour = 'delete'
    },
    messages: [
      'sluice.json: /syncs/contacts/deleteBehaviour: expected a delete behaviour crm supports: one of nothing | clear, found "delete"',
    ],
  },
  {
    name: 'mirror whose default delete behaviour the destination does not support',
    change: (p) => {
      p.syncs.contacts.behaviour = 'mirror'
    },
    messages: [
      'sluice.json: /syncs/contacts/deleteBehaviour: expected a delete behaviour crm supports: one of nothing | clear, found nothing, which means "delete"',
    ],
  },
  {
    name: 'mirror over a model read by cursor',
    change: (p) => {
      p.syncs.contacts.model = 'orders'
      p.syncs.contacts.behaviour = 'mirror'
      p.syncs.contacts.deleteBehaviour = 'clear'
    },
    messages: [
      'sluice.json: /syncs/contacts/behaviour: expected a behaviour other than mirror, because model "orders" reads by cursor "updated_at" and cannot see removed rows, found "mirror"',
    ],
  },
  {
    name: "a batch size over the destination's maximum",
    change: (p) => {
      p.syncs.contacts.batching = { size: 500, concurrency: 8 }
    },
    messages: [
      'sluice.json: /syncs/contacts/batching/size: expected at most 100, the largest batch crm accepts, found 500',
      'sluice.json: /syncs/contacts/batching/concurrency: expected at most 2, the most requests crm allows at once, found 8',
    ],
  },
  {
    name: 'sync all properties on a destination that cannot create fields',
    change: (p) => {
      p.syncs.contacts.syncAllProperties = true
    },
    messages: [
      'sluice.json: /syncs/contacts/syncAllProperties: expected false, because crm cannot create missing fields, found true',
    ],
  },
  {
    name: "a connector config that breaks the connector's schema",
    change: (p) => {
      p.destinations.crm.config = { apiKey: '${env:CRM_API_KEY}', region: 'asia', timeoutMs: 5, proxy: 'x' }
    },
    messages: [
      'sluice.json: /destinations/crm/config/region: expected one of us | eu, found "asia"',
      'sluice.json: /destinations/crm/config/timeoutMs: expected a number ≥ 100, found 5',
      'sluice.json: /destinations/crm/config/proxy: expected one of the keys apiKey | region | timeoutMs, found unknown key "proxy"',
    ],
  },
  {
    name: 'a connector config missing a required setting',
    change: (p) => {
      p.sources.warehouse.config = {}
    },
    messages: ['sluice.json: /sources/warehouse/config/path: expected text, found nothing'],
  },
  {
    name: 'an unknown connector type',
    change: (p) => {
      p.destinations.crm.type = 'crn'
    },
    messages: ['sluice.json: /destinations/crm/type: expected a destination connector: crm, found "crn"'],
  },
  {
    name: 'a name with spaces',
    change: (p) => {
      p.syncs['daily contacts'] = p.syncs.contacts
    },
    messages: [
      'sluice.json: /syncs/daily contacts: expected a key that is a name of letters, digits, _ and - that starts with a letter, at most 63 characters, found "daily contacts"',
    ],
  },
  {
    name: 'names too long for the file systems and databases the lake and the state use',
    change: (p) => {
      p.syncs[`contacts_${'x'.repeat(60)}`] = p.syncs.contacts
      p.models[`m${'o'.repeat(63)}`] = p.models[p.syncs.contacts.model]
      p.destinations[`d${'e'.repeat(70)}`] = p.destinations.crm
    },
    messages: [
      `sluice.json: /destinations/d${'e'.repeat(70)}: expected a key that is a name of letters, digits, _ and - that starts with a letter, at most 63 characters, found "d${'e'.repeat(70)}"`,
      `sluice.json: /models/m${'o'.repeat(63)}: expected a key that is a name of letters, digits, _ and - that starts with a letter, at most 63 characters, found "m${'o'.repeat(63)}"`,
      `sluice.json: /syncs/contacts_${'x'.repeat(60)}: expected a key that is a name of letters, digits, _ and - that starts with a letter, at most 63 characters, found "contacts_${'x'.repeat(60)}"`,
    ],
  },
  {
    name: 'an email alert without an SMTP server',
    change: (p) => {
      p.syncs.contacts.alerts = [{ on: 'failed', email: 'data@example.com' }]
    },
    messages: [
      'sluice.json: /syncs/contacts/alerts/0/email: expected settings.smtp, the server that sends alert emails, found no settings.smtp',
    ],
  },
  {
    name: 'an alert with a webhook that is not a URL',
    change: (p) => {
      p.syncs.contacts.alerts = [{ on: 'failed', slack: 'hooks.slack.com/services/x' }]
    },
    messages: [
      'sluice.json: /syncs/contacts/alerts/0/slack: expected an http(s) URL, found "hooks.slack.com/services/x"',
    ],
  },
  {
    name: 'an alert on the rejected rate without a threshold',
    change: (p) => {
      p.syncs.contacts.alerts = [{ on: 'rejected_rate', webhook: 'https://hooks.example.com/sluice' }]
    },
    messages: [
      'sluice.json: /syncs/contacts/alerts/0/threshold: expected a share of rows between 0 and 1, found nothing',
    ],
  },
  {
    name: 'a missing top-level section',
    change: (p) => {
      delete p.destinations
    },
    messages: ['sluice.json: /destinations: expected destinations by name, found nothing'],
  },
]

describe('project config validation', () => {
  it('accepts the valid project every case starts from', () => {
    expect(() => resolve(validProject(), env)).not.toThrow()
  })

  it('has at least twenty distinct bad configs', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length)
    expect(cases.length).toBeGreaterThanOrEqual(20)
  })

  it.each(cases)('reports $name', ({ change, env: caseEnv, messages }) => {
    const project = validProject()
    change(project)
    const error = catchConfigError(() => resolve(project, caseEnv ?? env))
    expect(error.issues.map((issue) => issue.message)).toEqual(messages)
    for (const issue of error.issues) {
      expect(issue.file).toBe('sluice.json')
      expect(issue.message).toBe(
        `${issue.file}: ${issue.path}: expected ${issue.expected}, found ${issue.found}`,
      )
      expect(error.message).toContain(issue.message)
    }
  })

  it('blocks only the destination whose variable is unset, not the whole project', () => {
    const project = resolve(validProject(), {})
    expect(Object.keys(project.syncs)).toEqual(['contacts', 'orders'])
    expect(Object.keys(project.unavailable)).toEqual(['/destinations/crm'])
    expect(project.unavailable['/destinations/crm']!.map((issue) => issue.message)).toEqual([
      'sluice.json: /destinations/crm/config/apiKey: expected the environment variable CRM_API_KEY to be set, found it unset',
    ])
    expect(resolve(validProject(), env).unavailable).toEqual({})
  })

  it('collects every problem of a config instead of stopping at the first', () => {
    const project = validProject()
    project.syncs.contacts.behaviour = 'upsertt'
    project.syncs.orders.model = 'order'
    project.models.users.source = 'snowflake'
    project.syncs.contacts.schedule = { type: 'cron', expression: 'every day' }
    const error = catchConfigError(() => resolve(project, env))
    expect(error.issues.map((i) => i.path)).toEqual([
      '/syncs/contacts/behaviour',
      '/models/users/source',
      '/syncs/orders/model',
      '/syncs/contacts/schedule/expression',
    ])
    expect(error.message).toMatch(
      /^\[sluice\] invalid project config \(4 problems in sluice\.json\):\n {2}sluice\.json: /,
    )
  })

  it('is a config error with a stable code', () => {
    const project = validProject()
    project.syncs.contacts.behaviour = 'upsertt'
    const error = catchConfigError(() => resolve(project, env))
    expect(error).toBeInstanceOf(SluiceError)
    expect(error.category).toBe('config')
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.retryable).toBe(false)
    expect(error.details.issues).toEqual(error.issues)
  })

  it('checks connector types and configs only when connectors are given', () => {
    const project = validProject()
    project.destinations.crm.type = 'hubspot'
    project.syncs.contacts.batching = { size: 5000 }
    expect(() => resolveProject(project, { file: '/p/sluice.json', env })).not.toThrow()
    const issues = catchConfigError(() => resolve(project, env)).issues
    expect(issues.map((i: ConfigIssue) => i.path)).toEqual(['/destinations/crm/type'])
  })
})

function resolve(project: unknown, environment: Record<string, string>) {
  return resolveProject(project, {
    file: '/project/sluice.json',
    displayFile: 'sluice.json',
    env: environment,
    connectors,
  })
}

function catchConfigError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError, but the config was accepted')
}
