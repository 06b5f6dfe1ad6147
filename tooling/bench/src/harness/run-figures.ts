import { type BenchContext, type Figure, type Measurement, NotMeasured, type Values } from './figure.js'

export interface FigureOutcome {
  measurements: Measurement[]
  /** errors other than "not measured": the benchmark itself failed */
  failures: string[]
}

/**
 * Runs figures one after the other (never in parallel: they would measure each other). Every spec of
 * every figure yields one row: a figure that cannot be measured prints null with the reason.
 */
export async function runFigures(figures: readonly Figure[], context: BenchContext): Promise<FigureOutcome> {
  const measurements: Measurement[] = []
  const failures: string[] = []
  const ctx: BenchContext = { ...context, fail: (message) => failures.push(message) }
  for (const figure of figures) {
    const started = performance.now()
    ctx.log(`${figure.title}…`)
    let values: Values = {}
    let reason = 'the figure returned no value'
    try {
      values = await figure.run(ctx)
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error)
      if (!(error instanceof NotMeasured)) {
        failures.push(`${figure.title}: ${reason}`)
        ctx.log(error instanceof Error && error.stack ? error.stack : reason)
      }
    }
    for (const spec of figure.specs(ctx.scale)) {
      const found = values[spec.key]
      if (typeof found === 'number') measurements.push({ ...spec, value: found })
      else if (found && typeof found === 'object') measurements.push({ ...spec, ...found })
      else measurements.push({ ...spec, value: null, note: reason })
    }
    ctx.log(`${figure.title}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  return { measurements, failures }
}
