import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { SluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { openProject } from '../project/project.js'
import { createApi } from '../serve/app.js'
import { startHost } from '../serve/host.js'
import { startQueueMode } from '../workers/serve.js'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

function version(): string {
  const file = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

function whole(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SluiceError(
      'config',
      `--${name} must be a whole number from ${min} to ${max}, found "${text}".`,
      {
        code: 'BAD_USAGE',
      },
    )
  }
  return value
}

export default async function run({ values, global }: CommandInput): Promise<number> {
  const host = (values.host as string | undefined) ?? '127.0.0.1'
  const port = whole('port', values.port as string | undefined, 8080, 0, 65535)
  const graceMs = whole('grace', values.grace as string | undefined, 30, 0, 3600) * 1000
  const tokens = {
    ...(process.env.SLUICE_API_TOKEN ? { api: process.env.SLUICE_API_TOKEN } : {}),
    ...(process.env.SLUICE_WEBHOOK_TOKEN ? { webhook: process.env.SLUICE_WEBHOOK_TOKEN } : {}),
  }
  if (!tokens.api && !LOOPBACK.test(host)) {
    throw new SluiceError(
      'config',
      `serve refuses to bind ${host} without SLUICE_API_TOKEN: anyone who can reach it could run and reset syncs.`,
      {
        code: 'NO_API_TOKEN',
        hint: 'Set SLUICE_API_TOKEN to a long random value, or bind 127.0.0.1.',
      },
    )
  }
  const project = await openProject(global)
  const say = (line: string) => process.stderr.write(`[sluice] ${line}\n`)
  const localWorkers = whole('workers', values.workers as string | undefined, 0, 0, 64)
  // queue mode: runs are jobs that `sluice worker` processes take (settings.workers, or --workers N here)
  const queued =
    project.resolved.settings.workers || values.workers !== undefined
      ? await startQueueMode(project, { workers: localWorkers, global, say })
      : undefined
  const served = await startHost(project, { say, ...(queued ? { runSync: queued.runSync } : {}) })
  const app = createApi(served, tokens, version())
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s))
    s.once('error', reject)
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  served.baseUrl = (
    (values['public-url'] as string | undefined) ?? `http://${shown}:${address.port}`
  ).replace(/\/$/, '')
  if (queued) queued.schedule(served.scheduler)
  else await served.scheduler.start()
  const syncs = Object.values(project.resolved.syncs)
  say(
    `serving ${project.displayFile}: ${syncs.length} syncs, ${syncs.filter((s) => s.enabled && s.schedule.type !== 'manual').length} scheduled`,
  )
  process.stdout.write(`listening on http://${shown}:${address.port}\n`)
  // the token is never printed: the web UI asks for it once, or takes it from /#token=…
  process.stdout.write(
    `web UI: http://${shown}:${address.port}/${tokens.api ? ' (sign in with SLUICE_API_TOKEN)' : ''}\n`,
  )

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) {
        say(`${signal} again: stopping at once`)
        process.exit(EXIT.cancelled)
      }
      stopping = true
      say(
        `${signal}: no new runs; runs in flight finish their batch and end cancelled (up to ${graceMs / 1000} s)`,
      )
      server.close()
      // connections kept alive would hold the server open past the grace period
      ;(server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.()
      served.close(graceMs).then(async ({ drained }) => {
        await queued?.close(graceMs)
        say(drained ? 'stopped' : 'stopped before every run had ended: they resume on the next run')
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        resolve(drained ? EXIT.ok : EXIT.failed)
      })
    }
    const onInt = () => stop('SIGINT')
    const onTerm = () => stop('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}
