/**
 * `@sluice/runner` as a library: how it finds and checks installed connector packages, for tools that
 * need the same answer as the \`sluice\` command (the catalog generator, the scaffold's tests).
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
