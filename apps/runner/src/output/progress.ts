import { FINAL_STATUSES, type RunRecord, type RunStatus } from '@sluice/core'
import { ANSI_CODE, duration, n, type Paint, paintFor, toJson } from './format.js'
import { runJson, summaryLines } from './run-summary.js'

/** What the display knows about a run in progress, gathered from the engine's progress events. */
export interface ProgressView {
  sync: string
  phase: string
  queried: number
  added: number
  changed: number
  removed: number
  invalid: number
  batchesSent: number
  /** records the destination has answered for: succeeded + rejected */
  sent: number
  rejected: number
  /** records the run will send, once the diff is known: the ETA's denominator */
  toSend?: number
}

/** Shows runs as they go and when they end; `sluice run` picks one for its output stream. */
export interface RunReporter {
  progress(view: ProgressView): void
  finished(run: RunRecord): void
  /** a note between runs (a warning, where things are) */
  note(text: string): void
}

/** Sending speed and time left, measured from the first acknowledged record. */
class Throughput {
  private since: number | undefined
  rate(sent: number, now = Date.now()): number {
    if (sent === 0) return 0
    this.since ??= now
    const seconds = (now - this.since) / 1000
    return seconds < 0.5 ? 0 : sent / seconds
  }
}

/** What a run is doing, in words: the engine's statuses name states, the display says actions. */
function phaseLabel(phase: string): string {
  const verbs: Record<string, string> = { preparing: 'diffing', in_progress: 'sending' }
  return verbs[phase] ?? phase.replace('_', ' ')
}

function etaText(view: ProgressView, rate: number): string {
  if (view.toSend === undefined || rate <= 0) return ''
  const left = Math.max(0, view.toSend - view.sent)
  return ` · ETA ${duration((left / rate) * 1000)}`
}

const batches = (count: number) => `${n(count)} batch${count === 1 ? '' : 'es'}`

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * One line rewritten in place on a terminal, at most ten times a second; the final summary replaces it.
 * Written to stderr so that a pipe on stdout still receives only the summaries.
 */
export class LiveReporter implements RunReporter {
  private readonly paint: Paint
  private readonly throughput = new Map<string, Throughput>()
  private lastDraw = 0
  private frame = 0
  private drawn = false

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly status: NodeJS.WriteStream = process.stderr,
  ) {
    this.paint = paintFor(out)
  }

  progress(view: ProgressView): void {
    const now = Date.now()
    if (now - this.lastDraw < 100) return
    this.lastDraw = now
    const meter = this.throughput.get(view.sync) ?? new Throughput()
    this.throughput.set(view.sync, meter)
    const rate = meter.rate(view.sent, now)
    const p = this.paint
    const spinner = p.cyan(SPINNER[this.frame++ % SPINNER.length]!)
    const head = `${spinner} ${p.bold(view.sync)}  ${p.cyan(phaseLabel(view.phase))}`
    if (view.phase === 'querying' || view.phase === 'pending') {
      this.draw(view.queried > 0 ? `${head} ${n(view.queried)} rows` : `${head}…`)
      return
    }
    const changes = `${p.green(`+${n(view.added)}`)} ${p.yellow(`~${n(view.changed)}`)} ${p.red(`-${n(view.removed)}`)}`
    const rows = `${n(view.queried)} rows ${changes}`
    if (view.phase !== 'in_progress') {
      this.draw(`${head} ${rows}`)
      return
    }
    // While sending, what matters most (how far, how long) comes first, so a narrow terminal keeps it.
    const share = view.toSend ? ` ${Math.floor((view.sent / view.toSend) * 100)}%` : ''
    const eta = etaText(view, rate).replace(' · ', ' ')
    const parts = [
      `${head}${share}${eta}`,
      rows,
      `${n(view.sent)} sent in ${batches(view.batchesSent)}`,
      view.rejected > 0 ? p.yellow(`${n(view.rejected)} rejected`) : '0 rejected',
      `${n(Math.round(rate))}/s`,
    ]
    this.draw(parts.join(p.dim(' · ')))
  }

  finished(run: RunRecord): void {
    this.clear()
    this.out.write(`${summaryLines(run, this.paint).join('\n')}\n`)
  }

  note(text: string): void {
    this.clear()
    this.out.write(`${text}\n`)
  }

  private draw(line: string): void {
    // a terminal that reports no size (0: some pseudo-terminals) gets COLUMNS, else 120
    const width = this.status.columns || Number(process.env.COLUMNS) || 120
    this.status.write(`\r\x1b[2K${truncateVisible(line, width - 1)}`)
    this.drawn = true
  }

  private clear(): void {
    if (this.drawn) this.status.write('\r\x1b[2K')
    this.drawn = false
  }
}

/** Cuts a line with colour codes to a visible width, keeping the codes intact. */
function truncateVisible(line: string, width: number): string {
  let visible = 0
  let out = ''
  for (const part of line.split(new RegExp(`(${ANSI_CODE.source})`))) {
    if (part.startsWith('\x1b[')) {
      out += part
      continue
    }
    const room = width - visible
    if (room <= 0) continue
    out += part.length > room ? `${part.slice(0, Math.max(0, room - 1))}…` : part
    visible += Math.min(part.length, room)
  }
  return `${out}\x1b[0m`
}

/**
 * Plain lines for logs and CI: one when the phase changes and one every few seconds while sending.
 * Lines go to `out`; with `--json` that is stderr, so stdout carries only the JSON.
 */
export class PlainReporter implements RunReporter {
  private readonly paint: Paint
  private readonly phases = new Map<string, string>()
  private readonly throughput = new Map<string, Throughput>()
  private lastLine = 0

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly summaries: boolean = true,
    private readonly intervalMs = 5000,
  ) {
    this.paint = paintFor(out)
  }

  progress(view: ProgressView): void {
    // the summary that follows says how it ended
    if (FINAL_STATUSES.has(view.phase as RunStatus)) return
    const now = Date.now()
    const meter = this.throughput.get(view.sync) ?? new Throughput()
    this.throughput.set(view.sync, meter)
    const rate = meter.rate(view.sent, now)
    const phaseChanged = this.phases.get(view.sync) !== view.phase
    if (!phaseChanged && now - this.lastLine < this.intervalMs) return
    this.phases.set(view.sync, view.phase)
    this.lastLine = now
    const sending = view.sent > 0 || view.batchesSent > 0
    const detail = sending
      ? ` sent ${n(view.sent)}${view.toSend === undefined ? '' : `/${n(view.toSend)}`} in ${batches(view.batchesSent)}, ${n(Math.round(rate))}/s, rejected ${n(view.rejected)}${etaText(view, rate)}`
      : view.phase === 'in_progress'
        ? ` ${n(view.queried)} rows: added ${n(view.added)}, changed ${n(view.changed)}, removed ${n(view.removed)}, invalid ${n(view.invalid)}`
        : view.queried > 0
          ? ` ${n(view.queried)} rows`
          : ''
    this.out.write(`${view.sync}: ${phaseLabel(view.phase)}${detail}\n`)
  }

  finished(run: RunRecord): void {
    if (this.summaries) this.out.write(`${summaryLines(run, this.paint).join('\n')}\n`)
  }

  note(text: string): void {
    this.out.write(`${text}\n`)
  }
}

/** `--json`: one object per run on stdout, progress as plain lines on stderr. */
export class JsonReporter implements RunReporter {
  private readonly lines: PlainReporter

  constructor(
    private readonly out: NodeJS.WriteStream,
    progressStream: NodeJS.WriteStream,
  ) {
    this.lines = new PlainReporter(progressStream, false)
  }

  progress(view: ProgressView): void {
    this.lines.progress(view)
  }

  finished(run: RunRecord): void {
    this.out.write(`${toJson(runJson(run))}\n`)
  }

  note(text: string): void {
    this.lines.note(text)
  }
}

export function reporterFor(json: boolean): RunReporter {
  if (json) return new JsonReporter(process.stdout, process.stderr)
  if (process.stdout.isTTY && process.stderr.isTTY) return new LiveReporter(process.stdout, process.stderr)
  return new PlainReporter(process.stdout)
}
