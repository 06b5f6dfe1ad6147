import type { TObject } from 'typebox'
import { ROUTES, type RouteSpec } from './routes.js'
import { Problem } from './schemas.js'

/** typebox schemas are JSON Schema; OpenAPI 3.1 takes them as they are, minus typebox's own keys. */
function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema))
}

function parameters(route: RouteSpec) {
  const of = (schema: TObject | undefined, where: 'path' | 'query') =>
    Object.entries(schema?.properties ?? {}).map(([name, property]) => {
      const isArray = (property as { type?: string }).type === 'array'
      return {
        name,
        in: where,
        required: where === 'path' || ((schema?.required ?? []) as string[]).includes(name),
        ...((property as { description?: string }).description
          ? { description: (property as { description?: string }).description }
          : {}),
        schema: plain(property),
        ...(isArray ? { style: 'form', explode: false } : {}),
      }
    })
  return [...of(route.params, 'path'), ...of(route.query, 'query')]
}

/** The OpenAPI 3.1 document of the API, made from the routes and the schemas that validate them. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ROUTES) {
    const responses: Record<string, unknown> = {}
    for (const [status, description] of Object.entries(route.responses)) {
      const ok = Number(status) < 400
      responses[status] = {
        description,
        content: ok
          ? { [route.produces ?? 'application/json']: { schema: {} } }
          : { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }
    }
    if (route.query || route.body || route.params) {
      responses['400'] ??= {
        description: 'a parameter or the body is not valid; the problem names the field',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }
    }
    if (route.access !== 'public') {
      responses['401'] ??= {
        description: 'no bearer token, or a wrong one',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }
    }
    paths[route.path] ??= {}
    paths[route.path]![route.method] = {
      summary: route.summary,
      operationId: `${route.method}${route.path
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, '')}`,
      ...(route.access === 'public' ? { security: [] } : {}),
      parameters: parameters(route),
      ...(route.body
        ? { requestBody: { required: false, content: { 'application/json': { schema: plain(route.body) } } } }
        : {}),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice API',
      version,
      description:
        'The API of `sluice serve`: syncs, runs, row-level records, triggers, health and metrics. The web UI at / reads the same routes.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'SLUICE_API_TOKEN (or SLUICE_WEBHOOK_TOKEN for /hooks)',
        },
      },
      schemas: { Problem: plain(Problem) },
    },
    paths,
  }
}
