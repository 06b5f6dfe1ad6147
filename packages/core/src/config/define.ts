import type {
  DestinationConfig,
  ModelConfig,
  ProjectConfig,
  Schedule,
  SourceConfig,
  SyncConfig,
} from './schema.js'

/**
 * A project config whose cross-references are checked by the compiler: a model's `source`, a sync's
 * `model` and `destination` and an `after` schedule's `sync` must name entries of the same config.
 * The names are inferred from the keys, never from the references (`NoInfer`), so a typo is an error.
 */
export interface TypedProjectConfig<
  SourceName extends string,
  DestinationName extends string,
  ModelName extends string,
  SyncName extends string,
> extends Omit<ProjectConfig, 'sources' | 'destinations' | 'models' | 'syncs'> {
  sources: Record<SourceName, SourceConfig>
  destinations: Record<DestinationName, DestinationConfig>
  models: Record<ModelName, ModelOf<NoInfer<SourceName>>>
  syncs: Record<SyncName, SyncOf<NoInfer<ModelName>, NoInfer<DestinationName>, NoInfer<SyncName>>>
}

type ModelOf<SourceName extends string> = ModelConfig extends infer M
  ? M extends ModelConfig
    ? Omit<M, 'source'> & { source: SourceName }
    : never
  : never

type SyncOf<ModelName extends string, DestinationName extends string, SyncName extends string> = Omit<
  SyncConfig,
  'model' | 'destination' | 'schedule'
> & {
  model: ModelName
  destination: DestinationName
  schedule?: Exclude<Schedule, { type: 'after' }> | { type: 'after'; sync: SyncName }
}

/**
 * Declares a project in `sluice.config.ts`: it returns the config as it is, typed, so the editor
 * completes every key and the compiler catches wrong references. The same config is validated in
 * full when it is loaded, as `sluice.json` is.
 *
 * Names are checked as literal types, so pass the config inline. A config assembled elsewhere from
 * plain `string`s can skip this helper: `export default config satisfies ProjectConfig` loads the same.
 */
export function defineConfig<
  SourceName extends string,
  DestinationName extends string,
  ModelName extends string,
  SyncName extends string,
>(config: TypedProjectConfig<SourceName, DestinationName, ModelName, SyncName>): ProjectConfig {
  return config as ProjectConfig
}
