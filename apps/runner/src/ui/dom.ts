/** Small DOM helpers: elements made from data with textContent only, so no API value is ever parsed as HTML. */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) element.setAttribute(name, '')
    else element.setAttribute(name, String(value))
  }
  append(element, children)
  return element
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

const numbers = new Intl.NumberFormat('en-US')
export const n = (value: number | null | undefined) => (value == null ? '–' : numbers.format(value))

export function duration(ms: number | null | undefined): string {
  if (ms == null) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '–'
  const date = new Date(iso)
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

/** "3 min ago", "in 12 min" */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '–'
  const seconds = Math.round((Date.parse(iso) - now) / 1000)
  const abs = Math.abs(seconds)
  const [amount, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.round(abs / 60), 'min']
        : abs < 86400
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86400), 'd']
  return seconds >= 0 ? `in ${amount} ${unit}` : `${amount} ${unit} ago`
}

const TONES: Record<string, string> = {
  healthy: 'ok',
  succeeded: 'ok',
  partially_succeeded: 'warn',
  incomplete: 'warn',
  cancelled: 'warn',
  failed: 'bad',
  rejected: 'bad',
  NULL: 'warn',
  DUPLICATE: 'warn',
  invalid: 'warn',
  in_progress: 'info',
  querying: 'info',
  preparing: 'info',
  queued: 'info',
  pending: 'idle',
  disabled: 'idle',
}

/** What a status is called on screen. */
export function label(status: string): string {
  if (status === 'pending') return 'never run'
  if (status === 'NULL') return 'null identifier'
  if (status === 'DUPLICATE') return 'duplicate'
  return status.replace(/_/g, ' ')
}

/** A status badge: its word says it, its colour repeats it. */
export function badge(status: string): HTMLSpanElement {
  return h('span', { class: `badge ${TONES[status] ?? 'idle'}`, 'data-status': status }, label(status))
}

/** Announces a change to screen readers. */
export function announce(text: string): void {
  const region = document.getElementById('announce')
  if (region) region.textContent = text
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, message)
}

/** A labelled select; `value` '' means "all". */
export function select(
  name: string,
  text: string,
  options: Array<[value: string, text: string]>,
  value: string,
  onChange: (value: string) => void,
): HTMLLabelElement {
  const control = h('select', { name, onchange: (e) => onChange((e.target as HTMLSelectElement).value) })
  for (const [v, t] of options) control.append(h('option', { value: v, selected: v === value }, t))
  return h('label', {}, text, control)
}

/** A modal dialog, closed with Escape or its button; resolves when it closes. */
export function modal(
  title: string,
  body: Child[],
  buttons: HTMLButtonElement[] = [],
  closeLabel = 'Close',
): Promise<string> {
  const id = `dialog-${Math.random().toString(36).slice(2)}`
  const close = h('button', { type: 'button', class: 'ghost', value: 'close', autofocus: true }, closeLabel)
  const dialog = h(
    'dialog',
    { 'aria-labelledby': id },
    h('h2', { id }, title),
    ...body,
    h('div', { class: 'actions' }, ...buttons, close),
  )
  for (const button of [...buttons, close]) {
    button.addEventListener('click', () => dialog.close(button.value))
  }
  document.body.append(dialog)
  dialog.showModal()
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(dialog.returnValue)
    })
  })
}

/** Asks before doing something that cannot be undone; true when confirmed. */
export async function confirmAction(title: string, text: string, action: string): Promise<boolean> {
  const yes = h('button', { type: 'button', value: 'confirm' }, action)
  return (await modal(title, [h('p', {}, text)], [yes], 'Cancel')) === 'confirm'
}
