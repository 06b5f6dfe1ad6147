/**
 * Secrets never appear in logs, errors, tracking files or the UI. Every secret value that Sluice
 * resolves (from `${env:NAME}` references) or that a connector obtains (OAuth tokens) is registered
 * here, and every string that leaves the process through Sluice passes through `redact()`.
 */
const secrets = new Set<string>()
const MASK = '***'
/** Shorter values are too likely to occur by accident in ordinary text to be masked safely. */
const MIN_SECRET_LENGTH = 4

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return
  // A secret echoed back by an API arrives encoded as it was sent: in a URL or form body
  // (`%2F`, `+` for a space) or inside a JSON string (`\"`, `\n`, `\/`). Each form is masked.
  for (const form of encodings(value)) secrets.add(form)
}

function encodings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1)
  return [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    json,
    json.replaceAll('/', '\\/'),
  ]
}

export function forgetSecrets(): void {
  secrets.clear()
}

/**
 * Credential-shaped keys whose values are masked when they appear as a JSON member (`"password": "…"`)
 * or a form/query parameter (`password=…`). Prose such as `apiKey: expected a string` is left alone.
 */
const CREDENTIAL_KEYS = 'access_token|refresh_token|client_secret|api_key|apikey|password'
const AUTHORIZATION_HEADER = /(authorization["']?\s*[:=]\s*["']?(?:bearer|basic)\s+)[^\s"',]+/gi
const CREDENTIAL_MEMBER = new RegExp(`("(?:${CREDENTIAL_KEYS})"\\s*:\\s*")[^"]+`, 'gi')
const CREDENTIAL_PARAMETER = new RegExp(`(\\b(?:${CREDENTIAL_KEYS})=)[^\\s"&,}]+`, 'gi')

/** Replaces every registered secret (and common credential shapes) in a string with `***`. */
export function redact(text: string): string {
  let out = text
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK)
  }
  return out
    .replace(AUTHORIZATION_HEADER, `$1${MASK}`)
    .replace(CREDENTIAL_MEMBER, `$1${MASK}`)
    .replace(CREDENTIAL_PARAMETER, `$1${MASK}`)
}

/** Redacts an Error's message and stack in place and returns it. */
export function redactError<E extends Error>(error: E): E {
  error.message = redact(error.message)
  if (error.stack) error.stack = redact(error.stack)
  return error
}
