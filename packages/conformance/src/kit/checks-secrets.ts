import { createServer } from 'node:net'
import { expect } from 'vitest'
import { expectNoSecret, expectSluiceError, printed } from './assertions.js'
import type { Check } from './check.js'

/** A loopback URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

export const secretChecks: Check[] = [
  {
    group: 'secrets',
    title: 'no secret appears in any error',
    timeoutMs: 120_000,
    async run(h) {
      const good = h.options.config(h.host.url)
      const bad = h.options.badCredentials(h.host.url)
      const secrets = [...h.options.secrets(good), ...h.options.secrets(bad)]
      expect(
        secrets.length,
        'no secrets to look for: mark them `secret: true` in the schema or pass `secrets`',
      ).toBeGreaterThan(0)

      // Failures of every kind, on top of those the other checks collected.
      await expectSluiceError(h.capture(() => h.connect(bad).check(h.context())))
      const unreachable = h.options.config(await deadUrl())
      await expectSluiceError(h.capture(() => h.connect(unreachable).check(h.context())))
      h.fake.faults.serverErrors = { count: 1_000_000, status: 500 }
      await expectSluiceError(h.capture(() => h.connect().check(h.context())))

      expect(h.errors.length).toBeGreaterThanOrEqual(3)
      for (const [i, error] of h.errors.entries()) {
        expectNoSecret(printed(error), secrets, `error ${i + 1}: ${String(error)}`)
      }
      expectNoSecret(h.logLines.join('\n'), secrets, 'the log')
    },
  },
  {
    group: 'secrets',
    title: 'no secret or token it sent appears in any output, even when the API echoes requests',
    timeoutMs: 120_000,
    async run(h) {
      const good = h.options.config(h.host.url)
      // A working connection first, so the tokens it obtains are seen on the wire.
      await h.capture(() => h.connect().check(h.context()))
      if (h.seedOperation) await h.write(h.connect(), h.seedOperation, [h.options.record(950)])

      // Then every answer echoes its request, from the first (a token endpoint, for OAuth) on.
      h.fake.faults.echoRequests = 1_000_000
      await expectSluiceError(h.capture(() => h.connect().check(h.context())))
      // A write fails, or (where a 4xx refuses single records) its records come back rejected: their
      // reasons go to the tracking lake, so they are output too.
      const reasons: string[] = []
      if (h.seedOperation) {
        const results = await h
          .write(h.connect(), h.seedOperation, [h.options.record(951)])
          .catch(() => undefined)
        for (const result of results ?? []) {
          expect(result.status, 'an echoed request was taken as an acknowledgement').toBe('rejected')
          if (result.status === 'rejected') reasons.push(result.reason)
        }
      }
      h.fake.faults.echoRequests = undefined

      const secrets = [...h.options.secrets(good), ...h.host.traffic.credentials]
      expect(secrets.length).toBeGreaterThan(0)
      for (const [i, error] of h.errors.entries()) {
        expectNoSecret(printed(error), secrets, `error ${i + 1}: ${String(error)}`)
      }
      expectNoSecret(reasons.join('\n'), secrets, 'the reasons records were rejected with')
      expectNoSecret(h.logLines.join('\n'), secrets, 'the log')
    },
  },
]
