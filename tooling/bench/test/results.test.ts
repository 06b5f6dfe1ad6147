import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Measurement } from '../src/harness/figure.js'
import { describeMachine } from '../src/harness/machine.js'
import { buildResults, RESULT_KEYS, writeResults } from '../src/harness/results.js'

const ISSUE_KEYS = [
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
]

const measured: Measurement[] = [
  { key: 'diff_1m_seconds', label: 'diff 1M', value: 1.23456, unit: 's' },
  { key: 'http_overhead_ratio', label: 'http', value: null, unit: '×', note: 'not there yet' },
  { key: 'diff_1m_peak_heap_mb', label: 'heap', value: 80, unit: 'MB' },
]

describe('results file', () => {
  const dir = mkdtemp(path.join(os.tmpdir(), 'bench-results-'))
  afterAll(async () => rm(await dir, { recursive: true, force: true }))

  it('has exactly the agreed keys plus scale and machine', () => {
    const results = buildResults(measured, 0.1, describeMachine())
    expect(Object.keys(results).sort()).toEqual([...ISSUE_KEYS, 'machine', 'scale'].sort())
    expect([...RESULT_KEYS].sort()).toEqual([...ISSUE_KEYS].sort())
  })

  it('writes numbers for measured keys and null for the rest', () => {
    const results = buildResults(measured, 1, describeMachine())
    expect(results.diff_1m_seconds).toBe(1.235)
    expect(results.http_overhead_ratio).toBeNull()
    expect(results.engine_null_records_per_s).toBeNull()
    expect(results.scale).toBe(1)
  })

  it('describes the machine: cores, memory and the Node version', () => {
    const { machine } = buildResults([], 1, describeMachine())
    expect(machine.cores).toBeGreaterThan(0)
    expect(machine.memory_gb).toBeGreaterThan(0)
    expect(machine.node).toBe(process.version)
  })

  it('round-trips through the file as JSON', async () => {
    const file = path.join(await dir, 'nested', 'latest.json')
    const results = buildResults(measured, 0.1, describeMachine())
    await writeResults(file, results)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(results)
  })
})
