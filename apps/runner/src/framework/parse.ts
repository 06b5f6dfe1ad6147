import { parseArgs } from 'node:util'
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec, type OptionValues } from './spec.js'
import { closest } from './suggest.js'
import { UsageError } from './usage-error.js'

export interface Resolved {
  command: CommandSpec
  /** the arguments after the command (and subcommand) name */
  rest: string[]
}

/**
 * Finds the command an argv names: `runs show r_1` is the `runs show` command, `runs` alone is `runs`.
 * An unknown name fails with the closest known one.
 */
export function resolveCommand(argv: string[], commands: readonly CommandSpec[]): Resolved | undefined {
  const [first, second] = argv
  if (first === undefined || first.startsWith('-')) return undefined
  const sub = commands.find((c) => c.name === `${first} ${second}`)
  if (sub) return { command: sub, rest: argv.slice(2) }
  const command = commands.find((c) => c.name === first)
  if (command) return { command, rest: argv.slice(1) }
  const topLevel = [...new Set(commands.map((c) => c.name.split(' ')[0]!))]
  const guess = closest(first, topLevel)
  throw new UsageError(
    `unknown command "${first}".${guess ? ` Did you mean "${guess}"?` : ''} Run "sluice --help" for the list.`,
  )
}

export interface Parsed {
  positionals: string[]
  values: OptionValues
}

/** Parses a command's arguments strictly; an unknown flag or a value out of its choices gets a suggestion. */
export function parseCommandArgs(command: CommandSpec, args: string[]): Parsed {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...command.options }
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.short ? { short: spec.short } : {}), multiple: spec.multiple ?? false },
    ]),
  )
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (error) {
    throw explainParseError(error, command, specs)
  }
  const values = parsed.values as OptionValues
  if (values.help) return { positionals: parsed.positionals, values }
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.choices) continue
    const given = values[name]
    for (const value of Array.isArray(given) ? given : typeof given === 'string' ? [given] : []) {
      if (spec.choices.includes(value)) continue
      const guess = closest(value, spec.choices)
      throw new UsageError(
        `--${name} does not accept "${value}": one of ${spec.choices.join(', ')}.${guess ? ` Did you mean "${guess}"?` : ''}`,
        command.name,
      )
    }
  }
  const { min, max } = command.positionals
  if (parsed.positionals.length < min) {
    throw new UsageError(`missing argument: sluice ${command.name} ${command.usage}`, command.name)
  }
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!
    throw new UsageError(
      `unexpected argument "${extra}": sluice ${command.name} ${command.usage}`,
      command.name,
    )
  }
  return { positionals: parsed.positionals, values }
}

function explainParseError(error: unknown, command: CommandSpec, specs: Record<string, OptionSpec>): Error {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: string }).code
  const unknown = /Unknown option '(-{1,2})([^'=]+)/.exec(message)
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const typed = unknown[2]!
    const flags = Object.keys(specs)
    const guess = unknown[1] === '--' ? closest(typed, flags) : undefined
    return new UsageError(
      `unknown option "${unknown[1]}${typed}" for "sluice ${command.name}".${guess ? ` Did you mean "--${guess}"?` : ''}`,
      command.name,
    )
  }
  // The rest are a missing value or a value given to a switch; node's text says which flag.
  return new UsageError(message.split('. ')[0]!.replace(/^Option /, 'option '), command.name)
}
