import type { MeasuredValues, Measurement } from './figure.js'
import { roundTo } from './stats.js'

export type Verdict = 'yes' | 'no' | 'n/a' | ''

/** Whether a measurement meets its target; `n/a` when the target does not hold at this scale. */
export function verdict(m: Measurement, all: MeasuredValues, scale: number): Verdict {
  if (!m.target) return ''
  if (m.value === null) return 'n/a'
  if (scale !== 1 && !m.target.scaleFree) return 'n/a'
  const met = m.target.met(m.value, all)
  return met === undefined ? 'n/a' : met ? 'yes' : 'no'
}

/** `12,345`, `0.872`, `3.41`: three significant digits, thousands separated. */
export function formatValue(value: number, unit: string): string {
  const rounded = roundTo(value)
  const text = Math.abs(rounded) >= 1000 ? rounded.toLocaleString('en-US') : String(rounded)
  if (unit === '') return text
  if (unit === '%') return `${text}%`
  return `${text} ${unit}`
}

/** A reason short enough for the value column; the notes under the table hold it whole. */
const REASON_WIDTH = 60

function shortReason(reason: string): string {
  return reason.length <= REASON_WIDTH ? reason : `${reason.slice(0, REASON_WIDTH - 1)}…`
}

/** One table: figure, value, target, met. Values that could not be measured say why. */
export function formatTable(measurements: readonly Measurement[], scale: number): string {
  const all: MeasuredValues = new Map(measurements.map((m) => [m.key, m.value]))
  const header = ['figure', 'value', 'target', 'met']
  const rows = measurements.map((m) => [
    m.label,
    m.value === null ? `not measured: ${shortReason(m.note ?? 'no value')}` : formatValue(m.value, m.unit),
    m.target?.text ?? '',
    verdict(m, all, scale),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const lines = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
  const notes = measurements.filter((m) => m.value !== null && m.note).map((m) => `  ${m.label}: ${m.note}`)
  // Each long reason once, however many rows of its figure it emptied.
  const reasons = new Set(
    measurements.filter((m) => m.value === null && (m.note ?? '').length > REASON_WIDTH).map((m) => m.note!),
  )
  notes.push(...[...reasons].map((reason) => `  not measured: ${reason}`))
  if (notes.length > 0) lines.push('', 'notes:', ...notes)
  if (scale !== 1)
    lines.push('', `scale ${scale}: targets on absolute time and speed hold at full scale only (n/a)`)
  return lines.join('\n')
}
