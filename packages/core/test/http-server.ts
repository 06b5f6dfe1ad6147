import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  at: number
}

export interface TestServer {
  url: string
  seen: SeenRequest[]
  /** the most requests the server was handling at once */
  readonly maxConcurrent: number
  close(): Promise<void>
}

/** A real node:http server on 127.0.0.1 whose handler sees each request with its body read. */
export async function startServer(
  handle: (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>,
): Promise<TestServer> {
  const seen: SeenRequest[] = []
  let active = 0
  let maxConcurrent = 0
  const server = createServer(async (req, res) => {
    active += 1
    maxConcurrent = Math.max(maxConcurrent, active)
    res.on('close', () => {
      active -= 1
    })
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const entry: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    }
    seen.push(entry)
    await handle(entry, res, seen.length - 1)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get maxConcurrent() {
      return maxConcurrent
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
