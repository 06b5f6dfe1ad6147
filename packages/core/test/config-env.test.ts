import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, forgetSecrets, redact, resolveEnv, resolveProject } from '../src/index.js'
import { connectors, validProject } from './fixtures/config/connectors.js'

afterEach(() => forgetSecrets())

describe('${env:NAME} references', () => {
  it('resolves whole and embedded references in every string, keeping everything else', () => {
    const input = {
      url: 'postgres://sluice:${env:PG_PASSWORD}@${env:PG_HOST}:5432/db',
      nested: { list: ['${env:PG_HOST}', 7, true, null] },
      plain: 'no reference',
    }
    const { value, problems, references } = resolveEnv(input, {
      PG_PASSWORD: 's3cret-pass',
      PG_HOST: 'db.internal',
    })
    expect(problems).toEqual([])
    expect(value).toEqual({
      url: 'postgres://sluice:s3cret-pass@db.internal:5432/db',
      nested: { list: ['db.internal', 7, true, null] },
      plain: 'no reference',
    })
    expect(input.url).toContain('${env:PG_PASSWORD}')
    expect([...references.keys()]).toEqual(['/url', '/nested/list/0'])
  })

  it('registers every resolved value as a secret', () => {
    resolveEnv({ key: '${env:API_KEY}' }, { API_KEY: 'sk_live_abcdef123456' })
    expect(redact('sent sk_live_abcdef123456 to the API')).toBe('sent *** to the API')
  })

  it('shows a bare address, which says only where requests go, and masks a URL with more in it', () => {
    resolveEnv(
      { instance: '${env:INSTANCE}', hook: '${env:HOOK}', db: '${env:DB}' },
      {
        INSTANCE: 'https://rest.iad-01.braze.com',
        HOOK: 'https://hooks.slack.com/services/T0/B0/abcdef',
        DB: 'postgres://u:pw-123456@db:5432/x',
      },
    )
    expect(redact('POST https://rest.iad-01.braze.com/users/track')).toBe(
      'POST https://rest.iad-01.braze.com/users/track',
    )
    expect(redact('to https://hooks.slack.com/services/T0/B0/abcdef')).toBe('to ***')
    expect(redact('at postgres://u:pw-123456@db:5432/x')).toBe('at ***')
  })

  it('names every missing variable with its path', () => {
    const { problems } = resolveEnv(
      { a: '${env:FIRST}', b: ['${env:SECOND}', '${env:PRESENT}'] },
      { PRESENT: 'yes' },
    )
    expect(problems).toEqual([
      { path: '/a', expected: 'the environment variable FIRST to be set', found: 'it unset' },
      { path: '/b/0', expected: 'the environment variable SECOND to be set', found: 'it unset' },
    ])
  })

  it('reads process.env when no env is given', () => {
    process.env.SLUICE_TEST_CRM_KEY = 'from-process-env-123'
    try {
      const project = validProject()
      project.destinations.crm.config.apiKey = '${env:SLUICE_TEST_CRM_KEY}'
      const resolved = resolveProject(project, { file: '/p/sluice.json' })
      expect(resolved.destinations.crm?.config.apiKey).toBe('from-process-env-123')
    } finally {
      delete process.env.SLUICE_TEST_CRM_KEY
    }
  })
})

describe('resolved secrets in errors', () => {
  const secret = 'tiny-key'

  it('never appear in a message, even when the secret itself is the invalid value', () => {
    // The key is too short for the connector's schema, so the value itself is what is wrong.
    const project = validProject()
    const error = configError(() =>
      resolveProject(project, {
        file: '/p/sluice.json',
        displayFile: 'sluice.json',
        env: { CRM_API_KEY: secret },
        connectors,
      }),
    )
    expect(error.issues.map((i) => i.message)).toEqual([
      'sluice.json: /destinations/crm/config/apiKey: expected text of at least 12 characters, found a hidden value',
    ])
    expect(JSON.stringify(error.issues)).not.toContain(secret)
    expect(error.message).not.toContain(secret)
    expect(String(error.stack)).not.toContain(secret)
  })

  it('show the reference as written wherever a resolved value is wrong', () => {
    const project = validProject()
    project.syncs.contacts.behaviour = '${env:CONTACTS_BEHAVIOUR}'
    project.syncs.contacts.object = '${env:CONTACTS_OBJECT}'
    const error = configError(() =>
      resolveProject(project, {
        file: '/p/sluice.json',
        displayFile: 'sluice.json',
        env: { CRM_API_KEY: 'crm-key-0123456789', CONTACTS_BEHAVIOUR: 'upsrt', CONTACTS_OBJECT: '' },
        connectors,
      }),
    )
    expect(error.issues.map((i) => i.message)).toEqual([
      'sluice.json: /syncs/contacts/object: expected text that is not empty, found "${env:CONTACTS_OBJECT}" (resolved value not shown)',
      'sluice.json: /syncs/contacts/behaviour: expected one of upsert | update | create | mirror | append | delete, found "${env:CONTACTS_BEHAVIOUR}" (resolved value not shown)',
    ])
    expect(error.message).not.toContain('upsrt')
  })

  it('are masked even where a check quotes the value itself', () => {
    const project = validProject()
    project.syncs.contacts.model = '${env:CONTACTS_MODEL}'
    const error = configError(() =>
      resolveProject(project, {
        file: '/p/sluice.json',
        displayFile: 'sluice.json',
        env: { CRM_API_KEY: 'crm-key-0123456789', CONTACTS_MODEL: 'model-from-a-vault' },
      }),
    )
    expect(error.issues.map((i) => i.message)).toEqual([
      'sluice.json: /syncs/contacts/model: expected a model: one of users | orders, found "***"',
    ])
  })
})

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}
