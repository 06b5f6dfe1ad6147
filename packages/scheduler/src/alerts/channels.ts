import { redact, SluiceError } from '@sluice/core'
import { createTransport, type Transporter } from 'nodemailer'
import type { AlertMessage } from './message.js'

/** Where an alert goes. `target` names it without its secret parts (a Slack URL is a credential). */
export interface AlertChannel {
  kind: 'webhook' | 'slack' | 'email'
  target: string
  send(message: AlertMessage): Promise<void>
}

export interface SmtpSettings {
  host: string
  port: number
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it */
  secure: boolean
  user?: string
  password?: string
  from: string
}

const TIMEOUT_MS = 10_000

/** The host of a URL, which is all an alert record or a log line shows of it. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'an invalid URL'
  }
}

async function postJson(url: string, body: unknown, what: string): Promise<void> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'sluice-alerts' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
  } catch (error) {
    throw new SluiceError(
      'connection',
      `${what} at ${urlHost(url)} could not be reached: ${redact(String(error))}`,
    )
  }
  // the body says why; it is read (and dropped) either way so the connection can be reused
  const text = await response.text().catch(() => '')
  if (!response.ok) {
    throw new SluiceError(
      response.status === 429 || response.status >= 500 ? 'transient' : 'config',
      `${what} at ${urlHost(url)} answered ${response.status}: ${redact(text.slice(0, 200))}`,
    )
  }
}

/** A webhook that receives the alert message as JSON, as it is documented. */
export function webhookChannel(url: string): AlertChannel {
  return { kind: 'webhook', target: urlHost(url), send: (message) => postJson(url, message, 'the webhook') }
}

/** A Slack incoming webhook: a `text` fallback and blocks Slack renders. */
export function slackChannel(url: string): AlertChannel {
  return {
    kind: 'slack',
    target: urlHost(url),
    send: (message) => postJson(url, slackBody(message), 'the Slack webhook'),
  }
}

const EMOJI = {
  failed: ':red_circle:',
  partially_succeeded: ':large_yellow_circle:',
  rejected_rate: ':large_orange_circle:',
  recovered: ':large_green_circle:',
}

/** Slack's mrkdwn treats &, < and > as markup. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function slackBody(message: AlertMessage): { text: string; blocks: unknown[] } {
  const c = message.counts
  const blocks: unknown[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${EMOJI[message.event]} *${escapeMrkdwn(message.summary)}*` },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Sync*\n${escapeMrkdwn(message.sync)}` },
        { type: 'mrkdwn', text: `*Status*\n${message.run.status.replace('_', ' ')}` },
        { type: 'mrkdwn', text: `*Rows*\n${c.queried} queried · +${c.added} ~${c.changed} -${c.removed}` },
        {
          type: 'mrkdwn',
          text: `*Results*\n${c.succeeded} succeeded · ${c.rejected} rejected · ${c.invalid} invalid`,
        },
      ],
    },
  ]
  if (message.topReasons.length > 0) {
    const lines = message.topReasons.map(
      (reason) =>
        `• ${reason.count} ${reason.status}: ${escapeMrkdwn(reason.message ?? '(no message)').slice(0, 200)}`,
    )
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Top reasons*\n${lines.join('\n')}` } })
  }
  const context = `run ${message.run.id} · ${message.project}`
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: message.run.url ? `<${message.run.url}|${escapeMrkdwn(context)}>` : escapeMrkdwn(context),
      },
    ],
  })
  return { text: message.summary, blocks }
}

/** Email over SMTP. The transport is made once per channel and pooled. */
export function emailChannel(to: string, smtp: SmtpSettings, transport?: Transporter): AlertChannel {
  let mailer = transport
  return {
    kind: 'email',
    target: to,
    async send(message) {
      mailer ??= createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
        connectionTimeout: TIMEOUT_MS,
        greetingTimeout: TIMEOUT_MS,
        socketTimeout: TIMEOUT_MS,
      })
      try {
        await mailer.sendMail({
          from: smtp.from,
          to,
          subject: `[sluice] ${message.summary}`.slice(0, 200),
          text: emailText(message),
        })
      } catch (error) {
        throw new SluiceError(
          'connection',
          `the SMTP server ${smtp.host}:${smtp.port} refused the alert: ${redact(String(error))}`,
        )
      }
    },
  }
}

export function emailText(message: AlertMessage): string {
  const c = message.counts
  const lines = [
    message.summary,
    '',
    `Sync:     ${message.sync} (${message.project})`,
    `Run:      ${message.run.id}, ${message.run.status.replace('_', ' ')}, started ${message.run.startedAt}`,
    `Rows:     ${c.queried} queried, +${c.added} ~${c.changed} -${c.removed}`,
    `Results:  ${c.succeeded} succeeded, ${c.rejected} rejected, ${c.invalid} invalid`,
  ]
  if (message.error) lines.push(`Error:    ${message.error.message}`)
  if (message.topReasons.length > 0) {
    lines.push('', 'Top reasons:')
    for (const reason of message.topReasons)
      lines.push(`  ${reason.count} ${reason.status}: ${reason.message ?? '(no message)'}`)
  }
  if (message.run.url) lines.push('', message.run.url)
  return `${lines.join('\n')}\n`
}
