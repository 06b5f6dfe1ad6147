import { ProjectConfig } from './schema.js'

/**
 * The project config's JSON Schema, for editors: a `sluice.json` that names it in `$schema` gets
 * completion and inline errors. `sluice.schema.json` at the package root is this, written by
 * `pnpm --filter @sluice/core schema`; a test fails when the two differ.
 */
export function projectJsonSchema(): Record<string, unknown> {
  // Round-trip through JSON to drop typebox's own (non-enumerable) markers and keep plain data.
  const schema = JSON.parse(JSON.stringify(ProjectConfig)) as Record<string, unknown>
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema }
}

/** The file's exact text: two-space indents and a final newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(projectJsonSchema(), null, 2)}\n`
}
