import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Measurement } from './figure.js'
import type { Machine } from './machine.js'
import { roundTo } from './stats.js'

/** The keys of `results/latest.json`, in the order they are written: one number (or null) each. */
export const RESULT_KEYS = [
  'diff_1m_seconds',
  'diff_10m_seconds',
  'diff_1m_peak_rss_mb',
  'diff_10m_peak_rss_mb',
  'diff_10m_antijoin_seconds',
  'diff_10m_antijoin_ratio',
  'diff_100m_seconds',
  'diff_100m_peak_rss_mb',
  'engine_null_records_per_s',
  'engine_bare_scan_seconds',
  'engine_scan_ratio',
  'engine_1m_peak_rss_mb',
  'engine_10m_peak_rss_mb',
  'engine_rss_ratio',
  'http_overhead_ratio',
  'rate_limit_utilisation',
  'rate_limit_429_share',
  'learned_rate_limit_utilisation',
  'learned_rate_limit_429_share',
  'rerun_unchanged_seconds',
  'rerun_unchanged_requests',
  'rerun_1pct_fraction',
  'tracking_overhead_fraction',
  'scheduler_drift_p99_ms',
  'scheduler_idle_cpu_percent',
  'records_api_p99_ms',
  'records_api_p50_ms',
  'ui_records_page_p99_ms',
  'ui_run_detail_p99_ms',
  'ui_overview_p99_ms',
  'ui_overview_p50_ms',
  'ui_overview_first_ms',
  'cli_help_p50_ms',
  'cli_help_p90_ms',
  'cli_status_p50_ms',
  'cli_status_p90_ms',
  'node_start_p50_ms',
  'parquet_write_ratio',
  'parquet_sync_ratio',
  'parquet_diff_rerun_seconds',
  'parquet_diff_rerun_files',
] as const

export type ResultKey = (typeof RESULT_KEYS)[number]

export type Results = Record<ResultKey, number | null> & { scale: number; machine: Machine }

/**
 * The results object: every key present, null where a figure was not measured, so two runs can always be
 * compared key by key. Measurements under other keys (details the table prints) are left out.
 */
export function buildResults(measurements: readonly Measurement[], scale: number, machine: Machine): Results {
  const byKey = new Map(measurements.map((m) => [m.key, m.value]))
  const values = Object.fromEntries(
    RESULT_KEYS.map((key) => {
      const value = byKey.get(key)
      return [key, value === undefined || value === null ? null : roundTo(value, 4)]
    }),
  ) as Record<ResultKey, number | null>
  return { ...values, scale, machine }
}

/** Writes through a temporary file so a reader never sees half a file. */
export async function writeResults(file: string, results: Results): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const temporary = `${file}.tmp`
  await writeFile(temporary, `${JSON.stringify(results, null, 2)}\n`)
  await rename(temporary, file)
}
