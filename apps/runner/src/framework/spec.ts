/** How a command declares itself: its options, positionals, help text and examples. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  description: string
  /** the value's placeholder in help, e.g. `<status>` */
  value?: string
  /** the only values accepted; a typo gets a suggestion */
  choices?: readonly string[]
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>

export interface GlobalOptions {
  /** the project config file, when given with --config */
  config: string | undefined
  /** the folder commands run in */
  cwd: string
  /** machine-readable output on stdout */
  json: boolean
}

export interface CommandInput {
  positionals: string[]
  values: OptionValues
  global: GlobalOptions
}

export interface CommandSpec {
  /** `run`, or `runs show` for a subcommand */
  name: string
  /** one line for the command list */
  summary: string
  /** what follows the name in the usage line, e.g. `<sync…> [options]` */
  usage: string
  /** a paragraph under the usage line */
  description?: string
  options?: Record<string, OptionSpec>
  positionals: { min: number; max: number }
  examples: string[]
  /** whether the help shows the exit codes of a run */
  runsSyncs?: boolean
  run(input: CommandInput): Promise<number>
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    short: 'c',
    value: '<file>',
    description: 'the project config (default: sluice.config.ts or sluice.json, here or in a parent folder)',
  },
  json: { type: 'boolean', description: 'print JSON on stdout for scripts and orchestrators' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
}
