import { afterEach, describe, expect, it } from 'vitest'
import { forgetSecrets, resolveProject } from '../src/index.js'
import { connectors, env, validProject } from './fixtures/config/connectors.js'

afterEach(() => forgetSecrets())

const resolve = (project: unknown, extraEnv: Record<string, string> = {}) =>
  resolveProject(project, { file: '/p/sluice.json', env: { ...env, ...extraEnv }, connectors })

describe('warnings about a config that is valid but unsafe or mistaken', () => {
  it('says nothing about a project whose secrets all come from the environment', () => {
    expect(resolve(validProject()).warnings).toEqual([])
  })

  it("names a connector's secret typed into the file, by its path, never its value", () => {
    const project = validProject()
    project.destinations.crm.config.apiKey = 'crm-key-typed-in-0001'
    const { warnings } = resolve(project)
    expect(warnings).toEqual([
      { path: '/destinations/crm/config/apiKey', message: expect.stringContaining('${env:NAME}') },
    ])
    expect(JSON.stringify(warnings)).not.toContain('crm-key-typed-in-0001')
  })

  it("names the project's own secrets: the SMTP password and a Slack webhook in an alert", () => {
    const project = validProject()
    project.settings = {
      smtp: { host: 'smtp.example.com', from: 'sluice@example.com', user: 'u', password: 'hunter2hunter2' },
    }
    project.syncs.contacts.alerts = [
      { on: 'failed', webhook: 'https://example.com/hook' },
      { on: 'failed', slack: 'https://hooks.slack.com/services/T0/B0/abc' },
    ]
    expect(resolve(project).warnings.map((w) => w.path)).toEqual([
      '/settings/smtp/password',
      '/syncs/contacts/alerts/1/slack',
    ])
  })

  it('names a URL with a password typed into it, but not one whose password comes from the environment', () => {
    const project = validProject()
    project.settings = { state: { backend: 'postgres', url: 'postgres://sluice:hunter2@db:5432/sluice' } }
    expect(resolve(project).warnings.map((w) => w.path)).toEqual(['/settings/state/url'])

    project.settings.state.url = 'postgres://sluice:${env:PG_PASSWORD}@db:5432/sluice'
    expect(resolve(project, { PG_PASSWORD: 'from-the-env' }).warnings).toEqual([])
    project.settings.state.url = 'postgres://sluice@db:5432/sluice'
    expect(resolve(project).warnings).toEqual([])
  })

  it('gives one warning per key: shell syntax in a secret field says what to write instead', () => {
    const project = validProject()
    project.destinations.crm.config.apiKey = '$CRM_API_KEY_VALUE'
    expect(resolve(project).warnings).toEqual([
      { path: '/destinations/crm/config/apiKey', message: expect.stringContaining('shell syntax $NAME') },
    ])
  })
})
