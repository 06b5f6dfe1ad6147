import { describe, expect, it } from 'vitest'
import { ConfigError, resolveProject } from '../src/index.js'
import { connectors, env, validProject } from './fixtures/config/connectors.js'

function resolve(project: unknown) {
  return resolveProject(project, {
    file: '/project/sluice.json',
    displayFile: 'sluice.json',
    env,
    connectors,
  })
}

describe('settings for workers and shared rate limits', () => {
  it('needs the postgres state for workers, and says so', () => {
    const project = { ...validProject(), settings: { workers: { leaseSeconds: 5 } } }
    const error = (() => {
      try {
        resolve(project)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    const issues = (error as ConfigError).issues
    expect(issues.map((i) => i.path)).toEqual(['/settings/workers'])
    expect(issues[0]!.expected).toContain('settings.state.backend "postgres"')
  })

  it('fills in the defaults, and keeps the Redis URL for the rate limits', () => {
    const project = {
      ...validProject(),
      settings: {
        state: { backend: 'postgres', url: 'postgres://db/x' },
        workers: {},
        rateLimits: { redis: 'redis://cache:6379' },
      },
    }
    const { settings } = resolve(project)
    expect(settings.workers).toEqual({ leaseSeconds: 30, concurrency: 1 })
    expect(settings.rateLimits).toEqual({ redis: 'redis://cache:6379' })
    expect(resolve(validProject()).settings.workers).toBeUndefined()
  })
})
