import type { RunRecord } from '@sluice/core'
import {
  type AlertChannel,
  emailChannel,
  type SmtpSettings,
  slackChannel,
  webhookChannel,
} from './channels.js'
import { type AlertDelivery, type DeliverOptions, deliverAlert } from './deliver.js'
import { type AlertReason, alertMessage } from './message.js'
import { type AlertRule, alertsForRun } from './rules.js'

export interface NotifyOptions extends DeliverOptions {
  project: string
  /** needed by email alerts */
  smtp?: SmtpSettings
  /** a link to the run, when it is served */
  runUrl?: string
  /** the run's top reasons rows did not make it */
  reasons?: readonly AlertReason[]
}

/** The channels one alert sends to. */
export function channelsFor(rule: AlertRule, smtp: SmtpSettings | undefined): AlertChannel[] {
  const channels: AlertChannel[] = []
  if (rule.webhook) channels.push(webhookChannel(rule.webhook))
  if (rule.slack) channels.push(slackChannel(rule.slack))
  if (rule.email) {
    channels.push(
      smtp
        ? emailChannel(rule.email, smtp)
        : {
            kind: 'email',
            target: rule.email,
            send: () => Promise.reject(new Error('no SMTP server is configured (settings.smtp)')),
          },
    )
  }
  return channels
}

/**
 * Sends the alerts a finished run raises (see `alertsForRun`) on every channel of each, in parallel.
 * Resolves with every delivery; never rejects.
 */
export async function notifyRun(
  rules: readonly AlertRule[],
  previous: RunRecord | undefined,
  run: RunRecord,
  options: NotifyOptions,
): Promise<AlertDelivery[]> {
  const raised = alertsForRun(rules, previous, run)
  const sends = raised.flatMap(({ rule, event }) => {
    const message = alertMessage({
      event,
      project: options.project,
      run,
      ...(rule.threshold === undefined ? {} : { threshold: rule.threshold }),
      ...(options.reasons ? { reasons: options.reasons } : {}),
      ...(options.runUrl ? { runUrl: options.runUrl } : {}),
    })
    return channelsFor(rule, options.smtp).map((channel) => deliverAlert(message, channel, options))
  })
  return Promise.all(sends)
}
