import { get, type Sync } from './api.js'
import { errorBox, fill, h, label, n, relative, select, when } from './dom.js'
import { countsLine, every, failed, healthCell, scheduleText, startRun, syncHref } from './shared.js'

/** Filters kept while the person moves between pages. */
const filters = { health: '', destination: '', search: '' }

function matches(sync: Sync): boolean {
  if (filters.health && sync.health !== filters.health) return false
  if (filters.destination && sync.destination !== filters.destination) return false
  return !filters.search || sync.name.toLowerCase().includes(filters.search.toLowerCase())
}

function row(sync: Sync, onError: (message: string) => void): HTMLTableRowElement {
  const run = sync.lastRun
  const button = h(
    'button',
    {
      type: 'button',
      'aria-label': `Run ${sync.name} now`,
      disabled: !sync.enabled || sync.running !== null,
      onclick: () => {
        button.disabled = true
        void startRun(sync.name, 'incremental', (message) => {
          button.disabled = false
          onError(`${sync.name}: ${message}`)
        })
      },
    },
    'Run now',
  )
  return h(
    'tr',
    { 'data-sync': sync.name },
    h('td', { class: 'name' }, h('a', { href: syncHref(sync.name) }, sync.name)),
    healthCell(sync),
    h('td', { 'data-label': 'Model' }, sync.model),
    h('td', { 'data-label': 'Destination' }, sync.destination, h('span', { class: 'sub' }, sync.object)),
    h('td', { 'data-label': 'Behaviour' }, sync.behaviour),
    h(
      'td',
      { 'data-label': 'Schedule' },
      scheduleText(sync.schedule),
      h(
        'span',
        { class: 'sub', title: when(sync.nextRunAt) },
        sync.nextRunAt ? `next ${relative(sync.nextRunAt)}` : 'no next run',
      ),
    ),
    h(
      'td',
      { 'data-label': 'Last run' },
      run ? h('span', { title: when(run.startedAt) }, relative(run.startedAt)) : 'never',
      run ? h('span', { class: 'sub' }, countsLine(run)) : null,
    ),
    h('td', {}, button),
  )
}

export function overviewPage(main: HTMLElement): () => void {
  const message = h('div')
  const tbody = h('tbody')
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' })
  const controls = h('div', { class: 'filters', role: 'search' })
  let syncs: Sync[] = []
  const onError = (text: string) => fill(message, errorBox(text))

  const renderRows = () => {
    const shown = syncs.filter(matches)
    fill(tbody, ...shown.map((s) => row(s, onError)))
    if (shown.length === 0)
      tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No sync matches these filters.')))
    const failing = syncs.filter((s) => s.health === 'failed').length
    summary.textContent = `${n(shown.length)} of ${n(syncs.length)} syncs shown · ${n(failing)} failing`
  }
  const renderControls = () => {
    const healths = [...new Set(syncs.map((s) => s.health))].sort()
    const destinations = [...new Set(syncs.map((s) => s.destination))].sort()
    const search = h('input', {
      type: 'search',
      name: 'search',
      value: filters.search,
      placeholder: 'sync name',
      oninput: (e) => {
        filters.search = (e.target as HTMLInputElement).value
        renderRows()
      },
    })
    fill(
      controls,
      h('label', {}, 'Search by name', search),
      select(
        'health',
        'Health',
        [['', 'All'], ...healths.map((v): [string, string] => [v, label(v)])],
        filters.health,
        (v) => {
          filters.health = v
          renderRows()
        },
      ),
      select(
        'destination',
        'Destination',
        [['', 'All'], ...destinations.map((v): [string, string] => [v, v])],
        filters.destination,
        (v) => {
          filters.destination = v
          renderRows()
        },
      ),
    )
  }

  fill(
    main,
    h('h1', {}, 'Syncs'),
    message,
    controls,
    summary,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'aria-label': 'Syncs', class: 'stacked' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Sync', 'Health', 'Model', 'Destination', 'Behaviour', 'Schedule', 'Last run', ''].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        tbody,
      ),
    ),
  )

  let known = ''
  const load = async () => {
    syncs = (await get<{ syncs: Sync[] }>('/api/syncs')).syncs
    // the filter choices change only when healths or destinations do, so focus stays where it is
    const choices = JSON.stringify([...new Set(syncs.map((s) => `${s.health}|${s.destination}`))].sort())
    if (choices !== known) {
      known = choices
      renderControls()
    }
    renderRows()
  }
  void load().catch((error: unknown) => failed(error, onError))
  return every(3000, load)
}
