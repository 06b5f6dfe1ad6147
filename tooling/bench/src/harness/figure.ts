import type { Fixtures } from '../data/fixtures.js'

/**
 * A figure is one benchmark: it runs its workload at the given scale and returns measurements, each
 * with the key it has in `results/latest.json` and the target it is judged against.
 */

/** Every measured value, by key, so a target can be relative to another figure (10M vs 1M memory). */
export type MeasuredValues = ReadonlyMap<string, number | null>

export interface Target {
  /** how the table prints it: `< 20 s`, `≥ 100,000/s`, `≤ 1.2 × 1M` */
  text: string
  /** undefined when it cannot be judged (a relative target whose other figure was not measured) */
  met(value: number, all: MeasuredValues): boolean | undefined
  /**
   * Whether the target means anything at 1/10 scale. Ratios and shares do; absolute seconds and
   * records per second at 100k rows say nothing about 10M.
   */
  scaleFree: boolean
}

/** What a figure measures under one key: the row it prints and its target. */
export interface Spec {
  /** the key in `results/latest.json`; keys outside RESULT_KEYS are printed but not written */
  key: string
  /** what the table's first column says, with the row count actually used */
  label: string
  unit: string
  target?: Target
}

/** A spec with its value: null when it could not be measured (then `note` says why). */
export interface Measurement extends Spec {
  value: number | null
  /** why the value is null, or a detail worth printing beside it */
  note?: string
}

/** What a figure's run returns: a value per key, optionally with a note. */
export type Values = Record<string, number | null | { value: number | null; note: string }>

export interface BenchContext {
  /** 1 for the full run, 0.1 for `--quick` */
  scale: number
  /** repetitions per figure; the value reported is their median */
  repetitions: number
  /** a scratch folder for this invocation's DuckDB files and lakes */
  workDir: string
  /** generated models, shared between figures */
  fixtures: Fixtures
  log(message: string): void
  /** records a failure of part of a figure that still returns its other values; the run exits 1 */
  fail(message: string): void
}

export interface Figure {
  /** a short id for `--only` */
  id: string
  title: string
  /** the keys this figure fills at a scale, so a failed figure still prints one row per key */
  specs(scale: number): Spec[]
  run(ctx: BenchContext): Promise<Values>
}

/**
 * Thrown when a figure cannot be measured for a reason outside the benchmark (the part it measures is
 * not there yet). The figure prints "not measured: <reason>" with a null value; any other error is a
 * failure of the benchmark run.
 */
export class NotMeasured extends Error {
  override readonly name = 'NotMeasured'
}

/** Rows scaled for `--quick`, never below one thousand. */
export function scaledRows(fullRows: number, scale: number): number {
  return Math.max(1000, Math.round(fullRows * scale))
}

/** `1M`, `100k`, `10M`: how a row count reads in a label. */
export function rowsLabel(rows: number): string {
  if (rows >= 1_000_000 && rows % 1_000_000 === 0) return `${rows / 1_000_000}M`
  if (rows >= 1000 && rows % 1000 === 0) return `${rows / 1000}k`
  return String(rows)
}
