import type { Run } from './api.js'
import { h, n, when } from './dom.js'

const SVG = 'http://www.w3.org/2000/svg'

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: Array<SVGElement | string>
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value))
  for (const child of children) element.append(child)
  return element
}

/**
 * Records sent (succeeded) and rejected per run, oldest on the left, as stacked bars in inline SVG; the
 * same figures are in the runs table below it, and each bar's title says them.
 */
export function runsChart(runs: Run[]): HTMLElement {
  const shown = runs
    .filter((run) => !run.dryRun)
    .slice(0, 40)
    .reverse()
  const figure = h('figure', { class: 'chart panel' })
  const caption = h(
    'figcaption',
    { class: 'legend' },
    h('span', {}, h('span', { class: 'swatch sent' }), 'sent (succeeded)'),
    h('span', {}, h('span', { class: 'swatch rejected' }), 'rejected'),
  )
  if (shown.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No runs yet.'), caption)
    return figure
  }
  const width = 800
  const height = 180
  const pad = { left: 48, right: 8, top: 10, bottom: 22 }
  const max = Math.max(1, ...shown.map((r) => r.counts.succeeded + r.counts.rejected))
  const slot = Math.min(40, (width - pad.left - pad.right) / shown.length)
  const bar = Math.max(2, Math.min(28, slot * 0.7))
  const y = (value: number) => ((height - pad.top - pad.bottom) * value) / max
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Records sent and rejected in the last ${shown.length} runs, at most ${n(max)} in one run`,
  })
  const base = height - pad.bottom
  chart.append(
    svg('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: base, y2: base }),
    svg('text', { x: pad.left - 6, y: pad.top + 8, 'text-anchor': 'end' }, n(max)),
    svg('text', { x: pad.left - 6, y: base, 'text-anchor': 'end' }, '0'),
  )
  shown.forEach((run, i) => {
    const x = pad.left + i * slot + (slot - bar) / 2
    const sent = y(run.counts.succeeded)
    const rejected = y(run.counts.rejected)
    const group = svg(
      'g',
      {},
      svg(
        'title',
        {},
        `${when(run.startedAt)}: ${n(run.counts.succeeded)} sent, ${n(run.counts.rejected)} rejected (${run.status.replace(/_/g, ' ')})`,
      ),
      svg('rect', { class: 'sent', x, y: base - sent, width: bar, height: sent }),
      svg('rect', { class: 'rejected', x, y: base - sent - rejected, width: bar, height: rejected }),
    )
    chart.append(group)
  })
  const first = shown[0]!
  const last = shown.at(-1)!
  chart.append(
    svg('text', { x: pad.left, y: height - 6 }, new Date(first.startedAt).toLocaleString()),
    svg(
      'text',
      { x: width - pad.right, y: height - 6, 'text-anchor': 'end' },
      new Date(last.startedAt).toLocaleString(),
    ),
  )
  figure.append(chart, caption)
  return figure
}
