/**
 * Receivers for alert tests, here and in the runner: an HTTP server that keeps every JSON body posted
 * to it and a real SMTP server, both on loopback. Needs `smtp-server` (a peer for this entry only).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** An HTTP server on loopback that records every JSON body posted to it, and can answer with errors. */
export async function startReceiver() {
  const bodies: Array<{ path: string; body: unknown }> = []
  /** statuses to answer with before answering 200 */
  const failures: number[] = []
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let text = ''
    for await (const chunk of request) text += chunk
    const status = failures.shift()
    if (status !== undefined) {
      response.writeHead(status, { 'content-type': 'text/plain' }).end('no_service')
      return
    }
    bodies.push({ path: request.url ?? '/', body: JSON.parse(text) })
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    failures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface ReceivedMail {
  from: string
  to: string[]
  raw: string
  user?: string
}

/** A real SMTP server on loopback that requires a login and keeps every message. */
export async function startSmtp(credentials = { user: 'alerts', password: 'smtp-secret-pw' }) {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username })
      } else {
        callback(new Error('Invalid username or password'))
      }
    },
    onData(stream, session, callback) {
      let raw = ''
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString()
      })
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    mails,
    credentials,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
