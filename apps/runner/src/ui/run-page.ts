import {
  ApiError,
  download,
  get,
  type Progress,
  query,
  type RecordsPage,
  type RunDetail,
  type TrackedRow,
} from './api.js'
import { announce, badge, duration, errorBox, fill, h, label, modal, n, select, when } from './dom.js'
import { every, failed, syncHref } from './shared.js'

const STATUSES = ['succeeded', 'rejected', 'NULL', 'DUPLICATE', 'invalid']
const OPERATIONS = ['upsert', 'update', 'create', 'append', 'delete', 'clear']
const PAGE = 50

const card = (text: string, value: number) =>
  h('div', { class: 'card' }, h('div', { class: 'label' }, text), h('div', { class: 'value' }, n(value)))

function table(caption: string, heads: string[], rows: Array<Array<Node | string>>, numeric: number[] = []) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'aria-label': caption },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...heads.map((t, i) =>
            h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : undefined }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((cells) =>
          h('tr', {}, ...cells.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : undefined }, c))),
        ),
      ),
    ),
  )
}

/** Sending speed from the polls' figures, as the command line's live line measures it. */
class Meter {
  private first: { at: number; sent: number } | undefined
  rate(sent: number, now = Date.now()): number {
    if (sent === 0) return 0
    this.first ??= { at: now, sent }
    const seconds = (now - this.first.at) / 1000
    return seconds < 1 ? 0 : (sent - this.first.sent) / seconds
  }
}

const PHASES: Record<string, string> = { preparing: 'diffing', in_progress: 'sending' }
const phaseName = (phase: string) => PHASES[phase] ?? phase.replace(/_/g, ' ')

/** The figures of `sluice run`'s live line: phase, rows, changes, records sent and batches, speed, rejected, ETA. */
function liveLine(progress: Progress, rate: number): string {
  const parts = [
    phaseName(progress.phase),
    `${n(progress.queried)} rows`,
    `+${n(progress.added)} ~${n(progress.changed)} −${n(progress.removed)}`,
    `${n(progress.sent)} sent in ${n(progress.batchesSent)} batch${progress.batchesSent === 1 ? '' : 'es'}`,
  ]
  if (rate > 0) parts.push(`${n(Math.round(rate))}/s`)
  parts.push(`${n(progress.rejected)} rejected`)
  if (progress.toSend !== undefined && rate > 0) {
    parts.push(`ETA ${duration((Math.max(0, progress.toSend - progress.sent) / rate) * 1000)}`)
  }
  return parts.join(' · ')
}

function payloadText(row: TrackedRow): string {
  try {
    return JSON.stringify(JSON.parse(row.payload), null, 2)
  } catch {
    return row.payload
  }
}

function openRecord(row: TrackedRow): void {
  void modal(`Record ${row.identifier ?? '(no identifier)'}`, [
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, badge(row.status)),
      h('dt', {}, 'Operation'),
      h('dd', {}, row.operation ?? '–'),
      h('dt', {}, 'Batch'),
      h('dd', {}, `${when(row.batchStartedAt)} – ${when(row.batchEndedAt)}`),
    ),
    h('h3', {}, "Destination's message"),
    h('pre', { 'aria-label': "Destination's message" }, row.message ?? '(none: the destination accepted it)'),
    h('h3', {}, 'Payload'),
    h('pre', { 'aria-label': 'Payload' }, payloadText(row)),
  ])
}

function recordsSection(run: RunDetail, show: (message: string) => void): HTMLElement {
  const state = { status: '', operation: '', search: '', cursors: [] as string[], cursor: '' }
  const body = h('div')
  const pager = h('div', { class: 'pager' })
  const filter = () => ({
    status: state.status || undefined,
    operation: state.operation || undefined,
    search: state.search || undefined,
  })
  const base = `/api/runs/${encodeURIComponent(run.runId)}/records`

  const load = async () => {
    const page = await get<RecordsPage>(
      `${base}${query({ ...filter(), limit: PAGE, cursor: state.cursor || undefined })}`,
    )
    const from = state.cursors.length * PAGE
    fill(
      body,
      page.rows.length === 0
        ? h('p', { class: 'muted' }, 'No record matches.')
        : table(
            'Records',
            ['Identifier', 'Status', 'Operation', 'Message', 'Sent', ''],
            page.rows.map((row) => [
              row.identifier ?? '(null)',
              badge(row.status),
              row.operation ?? '–',
              row.message ?? '',
              when(row.batchStartedAt),
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost',
                  'aria-label': `Open record ${row.identifier ?? ''}`,
                  onclick: () => openRecord(row),
                },
                'Open',
              ),
            ]),
          ),
    )
    const previous = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        disabled: state.cursors.length === 0,
        onclick: () => {
          state.cursor = state.cursors.pop() ?? ''
          void load().catch((e: unknown) => failed(e, show))
        },
      },
      'Previous',
    )
    const next = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        disabled: !page.nextCursor,
        onclick: () => {
          state.cursors.push(state.cursor)
          state.cursor = page.nextCursor ?? ''
          void load().catch((e: unknown) => failed(e, show))
        },
      },
      'Next',
    )
    const range =
      page.total === 0
        ? '0 records'
        : `${n(from + 1)}–${n(from + page.rows.length)} of ${n(page.total)} records`
    fill(pager, previous, h('span', { 'data-testid': 'records-range' }, range), next)
    announce(range)
  }
  const refilter = () => {
    state.cursors = []
    state.cursor = ''
    void load().catch((e: unknown) => failed(e, show))
  }
  const search = h('input', {
    type: 'search',
    name: 'search',
    placeholder: 'identifier',
    value: state.search,
  })
  const exportAs = (format: 'csv' | 'jsonl') =>
    h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onclick: () =>
          void download(`${base}/export${query({ format, ...filter() })}`, `${run.runId}.${format}`).catch(
            (e: unknown) => failed(e, show),
          ),
      },
      format === 'csv' ? 'Download CSV' : 'Download JSON lines',
    )

  const section = h(
    'section',
    { 'aria-labelledby': 'records-title' },
    h('h2', { id: 'records-title' }, 'Records'),
    h(
      'div',
      { class: 'filters' },
      select(
        'status',
        'Status',
        [['', 'All'], ...STATUSES.map((s): [string, string] => [s, label(s)])],
        '',
        (v) => {
          state.status = v
          refilter()
        },
      ),
      select(
        'operation',
        'Operation',
        [['', 'All'], ...OPERATIONS.map((o): [string, string] => [o, o])],
        '',
        (v) => {
          state.operation = v
          refilter()
        },
      ),
      h(
        'form',
        {
          class: 'field',
          role: 'search',
          onsubmit: (e) => {
            e.preventDefault()
            state.search = search.value.trim()
            refilter()
          },
        },
        h('label', { class: 'field' }, 'Search by identifier', search),
        h('span', { class: 'actions' }, h('button', { type: 'submit' }, 'Search')),
      ),
      h('div', { class: 'actions' }, exportAs('csv'), exportAs('jsonl')),
    ),
    body,
    pager,
  )
  void load().catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 410) fill(body, h('p', { class: 'muted' }, e.message))
    else failed(e, show)
  })
  return section
}

export function runPage(main: HTMLElement, runId: string): () => void {
  const message = h('div')
  const show = (text: string) => fill(message, errorBox(text))
  const head = h('div')
  const live = h('div', { 'aria-live': 'polite' })
  const figures = h('div')
  const records = h('div')
  const meter = new Meter()
  fill(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Syncs')),
    h('h1', {}, `Run ${runId}`),
    message,
    head,
    live,
    figures,
    records,
  )

  let recordsShown = false
  const load = async (): Promise<boolean> => {
    let run: RunDetail
    try {
      run = await get<RunDetail>(`/api/runs/${encodeURIComponent(runId)}`)
    } catch (error) {
      // queued: not in the history yet
      if (error instanceof ApiError && error.status === 425) {
        fill(live, h('p', { class: 'live' }, 'queued: waiting to start'))
        return true
      }
      throw error
    }
    fill(message)
    fill(
      main.querySelector('.crumbs')!,
      h('a', { href: '#/' }, 'Syncs'),
      ' / ',
      h('a', { href: syncHref(run.sync) }, run.sync),
      ` / run`,
    )
    fill(
      head,
      h(
        'dl',
        { class: 'facts panel' },
        h('dt', {}, 'Status'),
        h('dd', { 'data-testid': 'run-status' }, badge(run.status)),
        h('dt', {}, 'Mode'),
        h('dd', {}, `${run.mode.replace(/_/g, ' ')}${run.dryRun ? ' (dry run)' : ''}`),
        h('dt', {}, 'Started'),
        h('dd', {}, when(run.startedAt)),
        h('dt', {}, 'Ended'),
        h('dd', {}, run.endedAt ? `${when(run.endedAt)} (${duration(run.durationMs)})` : 'running'),
      ),
      run.error ? errorBox(run.error.message) : null,
    )
    if (!run.final && run.progress)
      fill(
        live,
        h(
          'p',
          { class: 'live', 'data-testid': 'live' },
          liveLine(run.progress, meter.rate(run.progress.sent)),
        ),
      )
    else if (!run.final) fill(live, h('p', { class: 'live' }, phaseName(run.phase)))
    else fill(live)

    const c = run.counts
    const operations = [
      ...new Set([...Object.keys(c.succeededByOperation), ...Object.keys(c.rejectedByOperation)]),
    ]
    fill(
      figures,
      h(
        'div',
        { class: 'cards' },
        card('Queried', c.queried),
        card('Added', c.added),
        card('Changed', c.changed),
        card('Removed', c.removed),
        card('Unchanged', c.unchanged),
        card('Succeeded', c.succeeded),
        card('Rejected', c.rejected),
        card('Invalid', c.invalid),
      ),
      h(
        'div',
        { class: 'grid-2' },
        h(
          'section',
          {},
          h('h2', {}, 'Per operation'),
          operations.length === 0
            ? h('p', { class: 'muted' }, 'Nothing sent.')
            : table(
                'Per operation',
                ['Operation', 'Succeeded', 'Rejected'],
                operations.map((op) => [
                  op,
                  n(c.succeededByOperation[op] ?? 0),
                  n(c.rejectedByOperation[op] ?? 0),
                ]),
                [1, 2],
              ),
        ),
        h(
          'section',
          {},
          h('h2', {}, 'Phases'),
          table(
            'Phases',
            ['Phase', 'Started', 'Duration'],
            run.phases.map((p) => [
              phaseName(p.phase),
              when(p.startedAt),
              p.durationMs === null ? 'running' : duration(p.durationMs),
            ]),
            [2],
          ),
        ),
      ),
      h('h2', {}, 'Top rejection reasons'),
      run.reasons.length === 0
        ? h('p', { class: 'muted' }, 'No rejected or invalid rows.')
        : table(
            'Top rejection reasons',
            ['Status', 'Reason (one row’s message)', 'Rows', 'For example'],
            run.reasons
              .slice(0, 10)
              .map((r) => [
                badge(r.status),
                r.message ?? r.reason ?? '',
                n(r.count),
                r.identifiers.join(', '),
              ]),
            [2],
          ),
    )
    if (run.final && !recordsShown) {
      recordsShown = true
      announce(`Run ${run.status.replace(/_/g, ' ')}`)
      if (run.tracking === 'present') fill(records, recordsSection(run, show))
      else
        fill(
          records,
          h('h2', {}, 'Records'),
          h(
            'p',
            { class: 'muted' },
            run.tracking === 'purged' ? 'Retention removed these records.' : 'This run tracked no records.',
          ),
        )
    }
    return !run.final
  }
  let stop = () => {}
  let gone = false
  void load()
    .then((more) => {
      if (more && !gone) stop = every(1000, load)
    })
    .catch((error: unknown) => failed(error, show))
  return () => {
    gone = true
    stop()
  }
}
