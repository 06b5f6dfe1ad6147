import { SluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { openProject } from '../project/project.js'
import { openProjectQueue } from '../workers/queue.js'
import { startWorker } from '../workers/worker.js'

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
  const project = await openProject(global)
  const concurrency = whole(
    'concurrency',
    values.concurrency as string | undefined,
    project.resolved.settings.workers?.concurrency ?? 1,
    1,
    1000,
  )
  const graceMs = whole('grace', values.grace as string | undefined, 30, 0, 3600) * 1000
  const say = (line: string) => process.stderr.write(`[sluice] ${line}\n`)
  const queue = await openProjectQueue(project)
  const worker = startWorker(project, queue, { concurrency, say })
  process.stdout.write(
    `worker ${process.pid} ready: ${concurrency} run${concurrency === 1 ? '' : 's'} at a time\n`,
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
      worker.stop(graceMs).then(async ({ drained }) => {
        await queue.close()
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        say(drained ? 'stopped' : 'stopped before every run had ended: another worker takes them over')
        resolve(drained ? EXIT.ok : EXIT.failed)
      })
    }
    const onInt = () => stop('SIGINT')
    const onTerm = () => stop('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}
