import { isSluiceError } from '@sluice/core/contract'
import Type, { type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { expect } from 'vitest'
import { expectNoSecret, expectSluiceError, printed } from './assertions.js'
import type { Check } from './check.js'
import type { Harness } from './harness.js'

/** typebox's errors as "path: message" lines, the way the runner words an invalid config. */
export function explainConfig(schema: TSchema, config: unknown): string[] {
  return [...Value.Errors(schema, config)].map((e) => `${e.instancePath || '/'}: ${e.message}`)
}

function defaultInvalidConfigs(h: Harness): Array<{ config: unknown; mentions: string }> {
  const schema = h.options.connector.config as unknown as {
    required?: string[]
    properties?: Record<string, { type?: string }>
  }
  const required = schema.required ?? []
  const good = h.options.config(h.host.url) as Record<string, unknown>
  const cases: Array<{ config: unknown; mentions: string }> = []
  if (required[0]) cases.push({ config: {}, mentions: required[0] })
  for (const name of required) {
    if (schema.properties?.[name]?.type === 'string')
      cases.push({ config: { ...good, [name]: 42 }, mentions: name })
  }
  return cases
}

export const configChecks: Check[] = [
  {
    group: 'config',
    title: 'config schema is exported and accepts the working config',
    async run(h) {
      const schema = h.options.connector.config
      expect(Type.IsSchema(schema), 'connector.config is not a typebox schema').toBe(true)
      const config = h.options.config(h.host.url)
      expect(explainConfig(schema, config)).toEqual([])
    },
  },
  {
    group: 'config',
    title: 'config schema rejects bad config with a clear message',
    async run(h) {
      const cases = h.options.invalidConfigs ?? defaultInvalidConfigs(h)
      expect(cases.length, 'no invalid configs to try: the schema requires nothing').toBeGreaterThan(0)
      for (const { config, mentions } of cases) {
        const problems = explainConfig(h.options.connector.config, config)
        expect(problems.length, `accepted ${JSON.stringify(config)}`).toBeGreaterThan(0)
        expect(problems.join('\n')).toContain(mentions)
      }
    },
  },
  {
    group: 'connection',
    title: 'check passes with good credentials',
    async run(h) {
      await h.capture(() => h.connect().check(h.context()))
    },
  },
  {
    group: 'connection',
    title: 'check fails with bad credentials without leaking them',
    async run(h) {
      const bad = h.options.badCredentials(h.host.url)
      const error = await expectSluiceError(h.capture(() => h.connect(bad).check(h.context())))
      expect(error.category).toBe('auth')
      expect(error.message).toMatch(/^\[sluice\] \[[a-z0-9-]+\] /)
      expectNoSecret(
        printed(error),
        [...h.options.secrets(bad), ...h.options.secrets(h.options.config(h.host.url))],
        'the error',
      )
    },
  },
  {
    group: 'connection',
    title: 'bad credentials during a write fail the batch as an auth error',
    skip: (h) =>
      h.seedOperation
        ? undefined
        : 'not declared: the connector can neither upsert, create nor append records',
    async run(h) {
      const bad = h.options.badCredentials(h.host.url)
      const error = await expectSluiceError(h.write(h.connect(bad), h.seedOperation!, [h.options.record(0)]))
      expect(error.category).toBe('auth')
      expect(isSluiceError(error) && error.retryable).toBe(false)
    },
  },
  {
    group: 'connection',
    title: 'discover lists objects and fields',
    concern: 'discoverFields',
    async run(h) {
      const catalog = await h.capture(() => h.connect().discover(h.context()))
      expect(catalog.objects.length).toBeGreaterThan(0)
      const object = catalog.objects.find((o) => o.name === h.options.object)
      expect(object, `discover does not list "${h.options.object}"`).toBeDefined()
      expect(object!.fields.length).toBeGreaterThan(0)
      for (const field of object!.fields) {
        expect(typeof field.name).toBe('string')
        expect(typeof field.type).toBe('string')
      }
    },
  },
]
