/**
 * The REST API, as the pages call it. When the server has SLUICE_API_TOKEN the person signs in with it
 * once (or opens the UI at `/#token=…`); the token stays in this tab's sessionStorage and goes only into
 * the Authorization header, never into an address, a page or a log.
 */

const KEY = 'sluice.token'

export class SignInNeeded extends Error {}

/** An answer of the API that is not a success, with the problem's detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
}

/** Takes a token handed over in the address (`#token=…`) and removes it from the address bar. */
export function takeTokenFromAddress(): void {
  const match = /^#token=([^&]+)/.exec(location.hash)
  if (!match) return
  token.set(decodeURIComponent(match[1]!))
  history.replaceState(null, '', `${location.pathname}#/`)
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const held = token.get()
  if (held) headers.set('authorization', `Bearer ${held}`)
  if (init.body) headers.set('content-type', 'application/json')
  const response = await fetch(path, { ...init, headers, cache: 'no-store' })
  if (response.status === 401) throw new SignInNeeded()
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`
    try {
      const problem = (await response.json()) as { detail?: string }
      if (problem.detail) detail = problem.detail
    } catch {
      // not a problem body: keep the status line
    }
    throw new ApiError(response.status, detail)
  }
  return response
}

export async function get<T>(path: string): Promise<T> {
  return (await (await call(path)).json()) as T
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  return (await (await call(path, { method: 'POST', body: JSON.stringify(body) })).json()) as T
}

/** Downloads an API answer as a file: fetched with the token, then saved by the browser. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await call(path)).blob()
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Query string from the values that are set. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(name, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

// What the API answers (the parts the pages use).

export interface Counts {
  queried: number
  invalid: number
  added: number
  changed: number
  removed: number
  unchanged: number
  succeeded: number
  rejected: number
  invalidByReason: Record<string, number>
  succeededByOperation: Record<string, number | undefined>
  rejectedByOperation: Record<string, number | undefined>
}

export interface Run {
  runId: string
  sync: string
  status: string
  mode: string
  dryRun: boolean
  startedAt: string
  endedAt: string | null
  durationMs: number | null
  counts: Counts
  error: { message: string; category?: string } | null
}

export interface Progress {
  phase: string
  queried: number
  added: number
  changed: number
  removed: number
  invalid: number
  batchesSent: number
  sent: number
  rejected: number
  toSend?: number
}

export interface Sync {
  name: string
  model: string
  destination: string
  object: string
  behaviour: string
  enabled: boolean
  health: string
  schedule: Record<string, unknown> & { type: string }
  nextRunAt: string | null
  running: { runId: string; trigger: string; startedAt: string; progress: Progress | null } | null
  lastRun: Run | null
  nextFireTimes?: string[]
  config?: Record<string, unknown>
}

export interface Reason {
  status: string
  reason: string | null
  message: string | null
  count: number
  identifiers: string[]
}

export interface RunDetail extends Run {
  phase: string
  final: boolean
  progress: Progress | null
  tracking: string
  reasons: Reason[]
  phases: Array<{ phase: string; startedAt: string; durationMs: number | null }>
}

export interface TrackedRow {
  internalId: string
  identifier: string | null
  payload: string
  operation: string | null
  status: string
  message: string | null
  batchStartedAt: string
  batchEndedAt: string
}

export interface RecordsPage {
  total: number
  rows: TrackedRow[]
  nextCursor: string | null
}
