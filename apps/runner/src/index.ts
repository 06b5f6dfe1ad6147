/**
 * `@sluice/runner` as a library: what a program that drives the runner in-process needs (the demo
 * package is one), on top of the `sluice` command line, and how it finds and checks installed connector
 * packages, for tools that need the same answer as the `sluice` command (the catalog generator, the
 * scaffold's tests), and the HTTP API of `sluice serve` over a host, with its records cursor, for
 * programs that serve or measure it. Connectors are never imported here; they are found in the project's
 * `node_modules` by their `sluice` manifest.
 */
export {
  type ConnectorManifest,
  ConnectorManifestSchema,
  connectorId,
  manifestProblems,
} from './discovery/manifest.js'
export {
  entryPoint,
  findInstalledConnectors,
  type InstalledConnectorPackage,
  type LoadConnectorOptions,
  type LoadedConnector,
  loadConnector,
  loadConnectorAt,
  manifestMismatches,
} from './discovery/registry.js'
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
export { type ApiTokens, createApi } from './serve/app.js'
export { decodeRecordsCursor, encodeRecordsCursor } from './serve/cursor.js'
export type { ServeHost } from './serve/host.js'
