import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseJson } from '@sluice/core'

/** The faults the fake injects, with their share of requests. */
export const FAULTS = {
  /** a 503: nothing applied */
  serverError: 0.05,
  /** the connection dropped before anything was applied */
  dropped: 0.01,
  /** the write applied, then the connection dropped: the answer is lost */
  answerLost: 0.01,
  /** a 429 with Retry-After: nothing applied */
  rateLimited: 0.02,
  /** the write applied, and a 200 whose body is not an acknowledgement */
  malformed: 0.02,
} as const

export type Fault = keyof typeof FAULTS

/**
 * The soak's destination API on loopback: records in memory, every applied write counted per record,
 * and faults injected at random (a seeded generator, so a run can be replayed). Records whose id is
 * a multiple of `rejectEvery` are refused with a reason, as an API refuses bad data.
 */
export class FaultyFake {
  readonly records = new Map<string, Record<string, unknown>>()
  /** applied writes per record and version (its fields, or its deletion): the same data written again */
  readonly writes = new Map<string, number>()
  readonly injected: Record<Fault, number> = {
    serverError: 0,
    dropped: 0,
    answerLost: 0,
    rateLimited: 0,
    malformed: 0,
  }
  /** requests answered or dropped, of any kind */
  requests = 0
  private server: Server | undefined
  private waiting: Array<{ count: number; resolve: () => void }> = []

  constructor(
    private readonly random: () => number,
    private readonly rejectEvery: number,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** resolves once the fake has received `count` requests in all */
  received(count: number): Promise<void> {
    if (this.requests >= count) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({ count, resolve }))
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = ''
    for await (const chunk of req) text += chunk
    this.requests++
    for (const w of this.waiting) if (this.requests >= w.count) w.resolve()
    this.waiting = this.waiting.filter((w) => this.requests < w.count)
    const fault = this.pick()
    if (fault) this.injected[fault]++
    if (fault === 'serverError') return this.answer(res, 503, { message: 'unavailable' })
    if (fault === 'rateLimited') {
      res.setHeader('retry-after', '0')
      return this.answer(res, 429, { message: 'slow down' })
    }
    if (fault === 'dropped') {
      req.socket.destroy()
      return
    }
    const body = parseJson(text) as {
      records?: Array<{ id: string; fields: Record<string, unknown> }>
      ids?: string[]
    }
    const results = this.apply(req.url ?? '', body)
    if (fault === 'answerLost') {
      req.socket.destroy()
      return
    }
    if (fault === 'malformed') return this.answer(res, 200, { status: 'queued' })
    this.answer(res, 200, { results })
  }

  private apply(
    path: string,
    body: { records?: Array<{ id: string; fields: Record<string, unknown> }>; ids?: string[] },
  ) {
    const results: Array<{ id: string; ok?: true; reason?: string }> = []
    const written = (key: string) => this.writes.set(key, (this.writes.get(key) ?? 0) + 1)
    if (path === '/delete') {
      for (const id of body.ids ?? []) {
        this.records.delete(id)
        written(`${id} deleted`)
        results.push({ id, ok: true })
      }
      return results
    }
    for (const { id, fields } of body.records ?? []) {
      if (Number(id) % this.rejectEvery === 0) {
        results.push({ id, reason: `record ${id} is on the fake's refusal list` })
        continue
      }
      this.records.set(id, fields)
      written(`${id} ${JSON.stringify(fields)}`)
      results.push({ id, ok: true })
    }
    return results
  }

  private pick(): Fault | undefined {
    let roll = this.random()
    for (const [fault, share] of Object.entries(FAULTS) as Array<[Fault, number]>) {
      if (roll < share) return fault
      roll -= share
    }
    return undefined
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
}

/** A seeded generator (mulberry32): the same seed injects the same faults. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
