import { readFileSync } from 'node:fs'
import { commands } from './commands/index.js'
import { EXIT } from './exit-codes.js'
import { commandHelp, mainHelp } from './framework/help.js'
import { parseCommandArgs, resolveCommand } from './framework/parse.js'
import { UsageError } from './framework/usage-error.js'
import { paintFor } from './output/format.js'

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** Runs one `sluice …` invocation and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const err = paintFor(process.stderr)
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(mainHelp(commands, version))
      return argv.length === 0 ? EXIT.failed : EXIT.ok
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      process.stdout.write(`${version}\n`)
      return EXIT.ok
    }
    if (argv[0] === 'help') {
      const resolved = resolveCommand(argv.slice(1), commands)
      process.stdout.write(resolved ? commandHelp(resolved.command) : mainHelp(commands, version))
      return EXIT.ok
    }
    const resolved = resolveCommand(argv, commands)
    if (!resolved) throw new UsageError(`"${argv[0]}" is not a command. Run "sluice --help" for the list.`)
    const { command, rest } = resolved
    const { positionals, values } = parseCommandArgs(command, rest)
    if (values.help) {
      process.stdout.write(commandHelp(command))
      return EXIT.ok
    }
    const [{ redact }, { redactOutput }] = await Promise.all([
      import('@sluice/core'),
      import('./output/redacted-output.js'),
    ])
    redactOutput(redact)
    return await command.run({
      positionals,
      values,
      global: {
        config: values.config as string | undefined,
        cwd: process.cwd(),
        json: values.json === true,
      },
    })
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${err.red(error.message)}\n`)
      if (error.command)
        process.stderr.write(err.dim(`Run "sluice ${error.command} --help" for usage and examples.\n`))
      return EXIT.failed
    }
    // Loaded here: parsing and help never need core.
    const [{ isConfigError, redact }, { describeError }] = await Promise.all([
      import('@sluice/core'),
      import('./output/errors.js'),
    ])
    // A config error's text is redacted piece by piece by core already; redacting the whole again would
    // mask words after a key's name ("apiKey: expected …"), which are not secrets.
    const text = describeError(error, err)
    process.stderr.write(`${isConfigError(error) ? text : redact(text)}\n`)
    return EXIT.failed
  }
}

// `sluice runs | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

process.exitCode = await main(process.argv.slice(2))
