import { get, takeTokenFromAddress, token } from './api.js'
import { fill, h } from './dom.js'
import { overviewPage } from './overview.js'
import { runPage } from './run-page.js'
import { session } from './shared.js'
import { syncPage } from './sync-page.js'

const main = document.getElementById('main')!
let leave: () => void = () => {}

/** `#/`, `#/syncs/<name>`, `#/runs/<id>`: the page and what it is about. */
function route(): void {
  const hash = location.hash.replace(/^#/, '') || '/'
  leave()
  const [, kind, id] = /^\/(syncs|runs)\/(.+)$/.exec(hash) ?? []
  const name = id === undefined ? undefined : decodeURIComponent(id)
  if (kind === 'syncs' && name) {
    document.title = `${name} · Sluice`
    leave = syncPage(main, name)
  } else if (kind === 'runs' && name) {
    document.title = `Run ${name} · Sluice`
    leave = runPage(main, name)
  } else {
    document.title = 'Syncs · Sluice'
    leave = overviewPage(main)
  }
}

/** The sign-in form: shown when the API answers 401, kept only in this tab. */
function signIn(): void {
  leave()
  leave = () => {}
  document.title = 'Sign in · Sluice'
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true })
  const problem = h('div', { role: 'alert' })
  fill(
    main,
    h(
      'section',
      { class: 'signin panel' },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'This server needs its API token (SLUICE_API_TOKEN).'),
      h(
        'form',
        {
          onsubmit: async (event) => {
            event.preventDefault()
            token.set(input.value.trim())
            try {
              await get('/api/syncs')
              if (!/^#\/(syncs|runs)\//.test(location.hash)) location.hash = '#/'
              route()
            } catch {
              token.clear()
              fill(problem, h('p', { class: 'error-box' }, 'That token was not accepted.'))
              input.focus()
            }
          },
        },
        h('label', { class: 'field' }, 'API token', input),
        problem,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')),
      ),
    ),
  )
  input.focus()
}

type Theme = 'auto' | 'light' | 'dark'
const THEMES: Theme[] = ['auto', 'light', 'dark']

function applyTheme(theme: Theme): void {
  if (theme === 'auto') delete document.documentElement.dataset.theme
  else document.documentElement.dataset.theme = theme
  const button = document.getElementById('theme')!
  button.textContent = `Theme: ${theme}`
  button.setAttribute('aria-label', theme === 'auto' ? 'Theme: follow the system' : `Theme: ${theme}`)
}

function setUpTheme(): void {
  const saved = localStorage.getItem('sluice.theme')
  let theme: Theme = THEMES.includes(saved as Theme) ? (saved as Theme) : 'auto'
  applyTheme(theme)
  document.getElementById('theme')!.addEventListener('click', () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length]!
    localStorage.setItem('sluice.theme', theme)
    applyTheme(theme)
  })
}

session.signIn = signIn
// the skip link moves focus to the content, and leaves the address alone
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault()
  main.focus()
})
takeTokenFromAddress()
setUpTheme()
window.addEventListener('hashchange', () => {
  route()
  main.focus()
})
route()
