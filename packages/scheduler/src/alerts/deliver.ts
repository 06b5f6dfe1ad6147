import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { sleep as pause, redact } from '@sluice/core'
import type { AlertChannel } from './channels.js'
import type { AlertMessage } from './message.js'

/** What happened to one alert on one channel: kept in the alert log and counted in metrics. */
export interface AlertDelivery {
  at: string
  sync: string
  runId: string
  event: AlertMessage['event']
  channel: AlertChannel['kind']
  target: string
  delivered: boolean
  attempts: number
  error?: string
}

/** Where deliveries are recorded. */
export interface AlertLog {
  record(delivery: AlertDelivery): Promise<void>
}

/** An alert log as a JSON-lines file. */
export function alertLogFile(path: string): AlertLog {
  return {
    async record(delivery) {
      await mkdir(dirname(path), { recursive: true })
      await appendFile(path, `${JSON.stringify(delivery)}\n`)
    },
  }
}

export interface DeliverOptions {
  /** tries per channel (default 4) */
  attempts?: number
  /** the first pause between tries, doubled each time (default 1 s) */
  backoffMs?: number
  log?: AlertLog
  /** told of each delivery, delivered or not */
  onDelivery?(delivery: AlertDelivery): void
  sleep?(ms: number): Promise<void>
}

/**
 * Sends one alert on one channel, retrying with exponential backoff and jitter. It never throws: an
 * alert that cannot be delivered is recorded as such and must not change the run's outcome.
 */
export async function deliverAlert(
  message: AlertMessage,
  channel: AlertChannel,
  options: DeliverOptions = {},
): Promise<AlertDelivery> {
  const attempts = Math.max(1, options.attempts ?? 4)
  const backoff = options.backoffMs ?? 1_000
  const sleep = options.sleep ?? pause
  let error: string | undefined
  let tried = 0
  for (; tried < attempts; ) {
    tried++
    try {
      await channel.send(message)
      error = undefined
      break
    } catch (caught) {
      error = redact(caught instanceof Error ? caught.message : String(caught))
      if (tried < attempts) await sleep(backoff * 2 ** (tried - 1) * (0.5 + Math.random() / 2))
    }
  }
  const delivery: AlertDelivery = {
    at: new Date().toISOString(),
    sync: message.sync,
    runId: message.run.id,
    event: message.event,
    channel: channel.kind,
    target: channel.target,
    delivered: error === undefined,
    attempts: tried,
    ...(error === undefined ? {} : { error }),
  }
  options.onDelivery?.(delivery)
  await options.log?.record(delivery).catch(() => undefined)
  return delivery
}
