import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RateLimit } from '@sluice/core/contract'

/** What the fake saw of /users/track since its last reset. */
export interface TrackTraffic {
  requests: number
  rateLimited: number
  /** the most requests the host was handling at once */
  maxInFlight: number
  /** each request's arrival (epoch ms) and the status it was answered with */
  arrivals: Array<{ at: number; status: number }>
  /** profiles the fake holds */
  users: number
}

export type FakeBrazeRequest = { type: 'traffic' } | { type: 'reset' } | { type: 'close' }
export type FakeBrazeReply =
  | { type: 'ready'; url: string; apiKey: string }
  | { type: 'traffic'; traffic: TrackTraffic }
  | { type: 'reset' }

const hostPath = fileURLToPath(new URL('../fake-braze-host.ts', import.meta.url))

/** The fake Braze API running in its own process (`fake-braze-host.ts`). */
export class FakeBrazeProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly apiKey: string,
  ) {}

  /** Starts the fake with `/users/track` limited to `trackLimit` (Braze's documented limit when absent). */
  static start(trackLimit?: RateLimit): Promise<FakeBrazeProcess> {
    const child = fork(hostPath, [JSON.stringify(trackLimit ?? null)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    return new Promise((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) =>
        reject(new Error(`the fake Braze API exited (code ${code}) before it was ready`)),
      )
      child.once('message', (message: FakeBrazeReply) => {
        if (message.type !== 'ready') return reject(new Error(`unexpected message ${message.type}`))
        child.removeAllListeners('exit')
        resolve(new FakeBrazeProcess(child, message.url, message.apiKey))
      })
    })
  }

  async traffic(): Promise<TrackTraffic> {
    const reply = await this.ask({ type: 'traffic' })
    if (reply.type !== 'traffic') throw new Error(`unexpected reply ${reply.type}`)
    return reply.traffic
  }

  /** forgets the fake's profiles, counters, quota windows and traffic log */
  async reset(): Promise<void> {
    await this.ask({ type: 'reset' })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve()
      this.child.once('exit', () => resolve())
      this.child.send({ type: 'close' } satisfies FakeBrazeRequest)
    })
  }

  private ask(request: FakeBrazeRequest): Promise<FakeBrazeReply> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('the fake Braze API exited'))
      this.child.once('exit', onExit)
      this.child.once('message', (message: FakeBrazeReply) => {
        this.child.off('exit', onExit)
        resolve(message)
      })
      this.child.send(request)
    })
  }
}
