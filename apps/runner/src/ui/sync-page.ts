import { get, post, type Run, type Sync } from './api.js'
import { runsChart } from './chart.js'
import { announce, badge, confirmAction, duration, errorBox, fill, h, n, relative, when } from './dom.js'
import { every, failed, runHref, scheduleText, startRun } from './shared.js'

export function runsTable(runs: Run[]): HTMLElement {
  const heads = [
    'Status',
    'Started',
    'Duration',
    'Queried',
    'Added',
    'Changed',
    'Removed',
    'Succeeded',
    'Rejected',
    'Invalid',
  ]
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'aria-label': 'Runs' },
      h(
        'thead',
        {},
        h('tr', {}, ...heads.map((t, i) => h('th', { scope: 'col', class: i > 2 ? 'num' : undefined }, t))),
      ),
      h(
        'tbody',
        {},
        ...runs.map((run) =>
          h(
            'tr',
            { 'data-run': run.runId },
            h(
              'td',
              {},
              h(
                'a',
                {
                  href: runHref(run.runId),
                  'aria-label': `Run ${run.runId}: ${run.status.replace(/_/g, ' ')}`,
                },
                badge(run.status),
              ),
              run.mode !== 'incremental' ? h('span', { class: 'sub' }, run.mode.replace(/_/g, ' ')) : null,
              run.dryRun ? h('span', { class: 'sub' }, 'dry run') : null,
              run.error ? h('span', { class: 'error-text' }, run.error.message) : null,
            ),
            h(
              'td',
              {},
              h('a', { href: runHref(run.runId) }, when(run.startedAt)),
              h('span', { class: 'sub' }, relative(run.startedAt)),
            ),
            h('td', {}, duration(run.durationMs)),
            ...[
              run.counts.queried,
              run.counts.added,
              run.counts.changed,
              run.counts.removed,
              run.counts.succeeded,
              run.counts.rejected,
              run.counts.invalid,
            ].map((v) => h('td', { class: 'num' }, n(v))),
          ),
        ),
        runs.length === 0
          ? h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'No runs yet.'))
          : null,
      ),
    ),
  )
}

export function syncPage(main: HTMLElement, name: string): () => void {
  const message = h('div')
  const head = h('div')
  const chart = h('div')
  const runs = h('div')
  const config = h('div')
  const show = (text: string) => fill(message, errorBox(text))
  const path = `/api/syncs/${encodeURIComponent(name)}`

  const confirmed = async (title: string, text: string, action: string, then: () => Promise<void>) => {
    if (await confirmAction(title, text, action)) await then().catch((error: unknown) => failed(error, show))
  }
  const buttons = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', onclick: () => void startRun(name, 'incremental', show) }, 'Run now'),
    h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onclick: () =>
          void confirmed(
            `Full resync of ${name}?`,
            'Every row of the model is sent again, as added, whatever the destination already has.',
            'Start full resync',
            () => startRun(name, 'full_resync', show),
          ),
      },
      'Full resync',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onclick: () =>
          void confirmed(
            `Reset CDC of ${name}?`,
            'The current rows are recorded as synced and nothing is sent: changes made before now will never reach the destination.',
            'Reset CDC',
            async () => {
              const answer = await post<{ runId: string }>(`${path}/reset`, { cdc: true })
              announce(`Reset CDC run ${answer.runId} started`)
              location.hash = runHref(answer.runId)
            },
          ),
      },
      'Reset CDC',
    ),
  )

  fill(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Syncs'), ' / ', name),
    h('h1', {}, name),
    message,
    head,
    buttons,
    h('h2', {}, 'Records per run'),
    chart,
    h('h2', {}, 'Runs'),
    runs,
    h('h2', {}, 'Configuration'),
    config,
  )

  let configShown = false
  const load = async () => {
    const [sync, history] = await Promise.all([
      get<Sync>(path),
      get<{ runs: Run[] }>(`/api/runs?sync=${encodeURIComponent(name)}&limit=50`),
    ])
    const facts: Array<[string, Node | string]> = [
      [
        'Health',
        h(
          'span',
          {},
          badge(sync.health),
          sync.health === 'failed' && sync.lastRun?.error
            ? h('span', { class: 'error-text' }, sync.lastRun.error.message)
            : null,
        ),
      ],
      ['Model', sync.model],
      ['Destination', `${sync.destination} · ${sync.object}`],
      ['Behaviour', sync.behaviour],
      ['Schedule', scheduleText(sync.schedule)],
      ['Next run', sync.nextRunAt ? `${when(sync.nextRunAt)} (${relative(sync.nextRunAt)})` : 'none'],
      ['Enabled', sync.enabled ? 'yes' : 'no'],
    ]
    fill(
      head,
      h('dl', { class: 'facts panel' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    )
    fill(chart, runsChart(history.runs))
    fill(runs, runsTable(history.runs))
    if (!configShown) {
      configShown = true
      fill(
        config,
        h('p', { class: 'muted' }, 'Read-only, as the project config resolves it; secrets are masked.'),
        h('pre', { 'aria-label': 'Configuration' }, JSON.stringify(sync.config ?? {}, null, 2)),
      )
    }
  }
  void load().catch((error: unknown) => failed(error, show))
  return every(3000, load)
}
