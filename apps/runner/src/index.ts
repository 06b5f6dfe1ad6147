/**
 * `@sluice/runner` as a library: what a program that drives the runner in-process needs (the demo
 * package is one), on top of the `sluice` command line. Connectors are never imported here; they are
 * found in the project's `node_modules` by their `sluice` manifest.
 */
export { EXIT, exitCodeForStatus } from './exit-codes.js'
export type { CommandInput, GlobalOptions, OptionValues } from './framework/spec.js'
export { duration, n, type Paint, paintFor } from './output/format.js'
export { type ProgressView, type RunReporter, reporterFor } from './output/progress.js'
export {
  type InstalledConnector,
  type InstalledConnectors,
  loadInstalledConnectors,
} from './project/connectors.js'
export { type ExecuteOptions, executeSync } from './project/execute.js'
export { type OpenOptions, openProject, type Project } from './project/project.js'
