import type { RunRecord } from '@sluice/core'
import type { AlertDelivery, SkipReason } from '@sluice/scheduler'

type Labels = Record<string, string>

/** Seconds, from a second to six hours: runs take from moments to hours. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 10800, 21600]

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels)
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels)
    const entry = this.values.get(key) ?? { labels, value: 0 }
    entry.value += by
    this.values.set(key, entry)
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${e.value}`),
    ]
  }
}

class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; buckets: number[]; sum: number; count: number }
  >()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels)
    const entry = this.series.get(key) ?? { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }
    this.bounds.forEach((bound, i) => {
      if (value <= bound) entry.buckets[i]! += 1
    })
    entry.sum += value
    entry.count += 1
    this.series.set(key, entry)
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const e of this.series.values()) {
      this.bounds.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...e.labels, le: String(bound) })} ${e.buckets[i]}`)
      })
      lines.push(`${this.name}_bucket${labelText({ ...e.labels, le: '+Inf' })} ${e.count}`)
      lines.push(`${this.name}_sum${labelText(e.labels)} ${e.sum}`)
      lines.push(`${this.name}_count${labelText(e.labels)} ${e.count}`)
    }
    return lines
  }
}

const sum = (values: Partial<Record<string, number>>) =>
  Object.values(values).reduce<number>((total, value) => total + (value ?? 0), 0)

/** What `GET /metrics` reports, in the Prometheus text format, since the process started. */
export class ServeMetrics {
  readonly runs = new Counter('sluice_runs_total', 'Runs finished, by sync and status.')
  readonly records = new Counter('sluice_records_total', 'Records handled by runs, by sync and status.')
  readonly durations = new Histogram(
    'sluice_run_duration_seconds',
    'How long runs took, by sync.',
    DURATION_BUCKETS,
  )
  readonly rateLimitWaits = new Counter(
    'sluice_rate_limit_waits_total',
    'Times a destination answered 429 and the run waited before trying again, by sync.',
  )
  readonly rateLimitWaitSeconds = new Counter(
    'sluice_rate_limit_wait_seconds_total',
    'Time runs spent waiting after a 429, by sync.',
  )
  readonly alerts = new Counter(
    'sluice_alerts_total',
    'Alerts, by channel, event and whether they were delivered.',
  )
  readonly skippedFires = new Counter(
    'sluice_scheduler_skipped_total',
    'Scheduled or requested runs that did not start, by sync and reason.',
  )
  private inFlight = () => 0

  runFinished(run: RunRecord): void {
    this.runs.inc({ sync: run.sync, status: run.status })
    const c = run.counts
    this.records.inc({ sync: run.sync, status: 'succeeded' }, sum(c.succeeded))
    this.records.inc({ sync: run.sync, status: 'rejected' }, sum(c.rejected))
    this.records.inc(
      { sync: run.sync, status: 'invalid' },
      c.invalid.null + c.invalid.duplicate + c.invalid.other,
    )
    if (run.durationMs !== undefined) this.durations.observe({ sync: run.sync }, run.durationMs / 1000)
  }

  rateLimited(sync: string, delayMs: number): void {
    this.rateLimitWaits.inc({ sync })
    this.rateLimitWaitSeconds.inc({ sync }, delayMs / 1000)
  }

  alert(delivery: AlertDelivery): void {
    this.alerts.inc({
      channel: delivery.channel,
      event: delivery.event,
      delivered: String(delivery.delivered),
    })
  }

  skipped(sync: string, reason: SkipReason): void {
    this.skippedFires.inc({ sync, reason })
  }

  countInFlight(read: () => number): void {
    this.inFlight = read
  }

  render(): string {
    return `${[
      ...this.runs.render(),
      ...this.records.render(),
      ...this.durations.render(),
      ...this.rateLimitWaits.render(),
      ...this.rateLimitWaitSeconds.render(),
      ...this.alerts.render(),
      ...this.skippedFires.render(),
      '# HELP sluice_runs_in_flight Runs going on now.',
      '# TYPE sluice_runs_in_flight gauge',
      `sluice_runs_in_flight ${this.inFlight()}`,
    ].join('\n')}\n`
  }
}
