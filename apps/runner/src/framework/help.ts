import { EXIT_CODES_HELP } from '../exit-codes.js'
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './spec.js'

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`
    const choices = spec.choices ? ` (${spec.choices.join(' | ')})` : ''
    return [flag, `${spec.description}${choices}`] as const
  })
  const width = Math.max(...rows.map(([flag]) => flag.length))
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`)
}

/** Wraps a paragraph at word boundaries. */
function wrap(text: string, width: number): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.join('\n')
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: sluice ${command.name} ${command.usage}`.trimEnd(), '']
  lines.push(wrap(command.description ?? command.summary, 100), '')
  if (command.options && Object.keys(command.options).length > 0) {
    lines.push('Options:', ...optionLines(command.options), '')
  }
  lines.push('Global options:', ...optionLines(GLOBAL_OPTIONS), '')
  lines.push('Examples:', ...command.examples.map((e) => `  $ ${e}`), '')
  if (command.runsSyncs) lines.push(EXIT_CODES_HELP, '')
  return lines.join('\n')
}

export function mainHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `sluice ${version}: reverse ETL from your warehouse to your business tools`,
    '',
    'Usage: sluice <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', description: 'print the version' } }),
    '',
    'Examples:',
    '  $ sluice demo                       a full walkthrough on sample data, no credentials needed',
    '  $ sluice init my-project            start a project',
    '  $ sluice run customers_to_braze     run a sync',
    '  $ sluice run --help                 help for one command',
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n')
}
