/** The project config: its schema, loading, resolution and validation (for the runner and tools). */
export type { LoadedConnectors } from './connectors.js'
export { defineConfig, type TypedProjectConfig } from './define.js'
export { type Env, type EnvResolution, resolveEnv } from './env.js'
export { ConfigError, type ConfigIssue, isConfigError, type Problem, pointer, toIssue } from './errors.js'
export { expectation, explain, type ShowValue } from './explain.js'
export { projectJsonSchema, renderJsonSchema } from './json-schema.js'
export { CONFIG_FILE_NAMES, findConfigFile, type LoadOptions, loadProject, readConfig } from './load.js'
export { type ConfigWarning, notImplementedWarnings } from './not-implemented.js'
export {
  DEFAULT_SETTINGS,
  type ResolvedDestination,
  type ResolvedModel,
  type ResolvedProject,
  type ResolvedSettings,
  type ResolvedSource,
  type ResolvedSync,
  type ResolveOptions,
  resolveProject,
} from './resolve.js'
export { cronProblem, isTimeZone, parseInterval } from './schedule.js'
export {
  ALERT_EVENTS,
  type Alert,
  type AlertEvent,
  type ArrayMapping,
  type ArrayMode,
  type Batching,
  type ColumnMapping,
  type ConstantMapping,
  DestinationConfig,
  type FieldMapping,
  type Identifier,
  type LakeSettings,
  ModelConfig,
  NAME_PATTERN,
  ProjectConfig,
  type Schedule,
  type Settings,
  SourceConfig,
  type StateSettings,
  SyncConfig,
  type WarehouseLogs,
} from './schema.js'
export { type Soundness, type ValidateOptions, validateConfig } from './validate.js'
