import { timingSafeEqual } from 'node:crypto'
import { toSluiceError } from '@sluice/core'
import { Hono } from 'hono'
import type { ServeHost } from './host.js'
import { parseInput, queryInput } from './input.js'
import { openApiDocument } from './openapi.js'
import { ApiProblem, badRequest } from './problem.js'
import { type Access, ROUTES } from './routes.js'
import { loadUiAssets, type UiAssets } from './ui-assets.js'

export interface ApiTokens {
  /** SLUICE_API_TOKEN: every route but /healthz needs it when set */
  api?: string
  /** SLUICE_WEBHOOK_TOKEN: a narrower token that can only start runs through /hooks */
  webhook?: string
}

const problem = (error: ApiProblem) =>
  new Response(`${JSON.stringify(error.body())}\n`, {
    status: error.status,
    headers: { 'content-type': 'application/problem+json' },
  })

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function authorise(access: Access, header: string | undefined, tokens: ApiTokens): void {
  if (access === 'public') return
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim()
  const accepted = access === 'webhook' ? [tokens.webhook, tokens.api] : [tokens.api]
  const configured = accepted.filter((t): t is string => Boolean(t))
  if (configured.length === 0) {
    // the API is open on loopback without a token; a webhook always needs one
    if (access === 'api') return
    throw new ApiProblem(
      401,
      'Unauthorized',
      'webhook triggers need SLUICE_WEBHOOK_TOKEN or SLUICE_API_TOKEN to be set on the server',
    )
  }
  if (!given || !configured.some((token) => sameToken(given, token))) {
    throw new ApiProblem(
      401,
      'Unauthorized',
      'a valid bearer token is required: Authorization: Bearer <token>',
    )
  }
}

/**
 * The HTTP API over a running host: every route of ROUTES, /openapi.json, and problem bodies for errors;
 * and the web UI at `/`, whose files hold no data (every figure it shows comes from the API, with the
 * token the person signed in with), so they are public.
 */
export function createApi(
  host: ServeHost,
  tokens: ApiTokens,
  version: string,
  ui: UiAssets = loadUiAssets(),
): Hono {
  const app = new Hono()
  const document = openApiDocument(version)
  app.get('/openapi.json', (c) => c.json(document))
  app.get('/', () => ui.index())
  app.get('/ui/:file', (c) => ui.file(c.req.param('file')) ?? c.notFound())
  for (const route of ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1')
    app.on(route.method.toUpperCase(), path, async (c) => {
      authorise(route.access, c.req.header('authorization'), tokens)
      const params = route.params
        ? parseInput<Record<string, string>>(route.params, c.req.param(), 'path')
        : {}
      const query = route.query
        ? parseInput(route.query, queryInput(route.query, c.req.queries()), 'query')
        : {}
      let body: unknown = {}
      if (route.body) {
        const text = await c.req.text()
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text)
          } catch {
            throw badRequest('the body is not JSON', [{ field: 'body', message: 'is not valid JSON' }])
          }
        }
        body = parseInput(route.body, body, 'body')
      } else if (Object.keys(c.req.queries()).length > 0 && !route.query) {
        const [first] = Object.keys(c.req.queries())
        throw badRequest(`this endpoint takes no query parameters, found "${first}"`, [
          { field: first!, message: 'is not a query parameter this endpoint takes' },
        ])
      }
      return route.handle(host, { params, query, body, url: c.req.url })
    })
  }
  app.notFound(() =>
    problem(new ApiProblem(404, 'Not found', 'no such endpoint; GET /openapi.json lists them')),
  )
  app.onError((error) => {
    if (error instanceof ApiProblem) return problem(error)
    const e = toSluiceError(error)
    const status =
      e.code === 'UNKNOWN_RUN' || e.code === 'UNKNOWN_SYNC' ? 404 : e.category === 'conflict' ? 409 : 500
    return problem(new ApiProblem(status, status === 500 ? 'Internal error' : 'Error', e.message))
  })
  return app
}
