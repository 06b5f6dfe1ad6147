import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The web UI's files, built by `scripts/build-ui.mjs` into `dist/ui/`. The path is the same from
 * `src/serve/` (the CLI inside the repository) and from `dist/serve/` (an installed package).
 */
export const UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Everything is served from this server: no CDN, no inline script, no framing. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

export interface UiAssets {
  /** the page every UI address answers with */
  index(): Response
  /** one built file by name (`app.js`), or undefined */
  file(name: string): Response | undefined
}

/**
 * Reads the built UI once. Only the files found in the folder at start-up are served, by their plain
 * names, so no request can reach outside it.
 */
export function loadUiAssets(dir = UI_DIR): UiAssets {
  const files = new Map<string, { body: Buffer; type: string }>()
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)]
      if (type) files.set(name, { body: readFileSync(`${dir}/${name}`), type })
    }
  }
  const respond = (body: Buffer | string, type: string, status = 200) =>
    new Response(body, { status, headers: { 'content-type': type, ...SECURITY_HEADERS } })
  return {
    index() {
      const page = files.get('index.html')
      if (page) return respond(page.body, page.type)
      return respond(
        'The web UI is not built: run `pnpm build` in apps/runner. The REST API is at /api and /openapi.json.\n',
        'text/plain; charset=utf-8',
        503,
      )
    },
    file(name) {
      const found = name === 'index.html' ? undefined : files.get(name)
      return found ? respond(found.body, found.type) : undefined
    },
  }
}
