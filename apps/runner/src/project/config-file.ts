import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { CONFIG_FILE_NAMES, SluiceError } from '@sluice/core'

/** The config file a command uses: `--config`, or the first known name in the folder or its parents. */
export function findConfigFile(cwd: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit)
    if (!existsSync(file)) {
      throw new SluiceError('config', `no project config at ${explicit}.`, {
        code: 'CONFIG_NOT_FOUND',
        hint: 'Check the path given to --config.',
      })
    }
    return file
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = resolve(dir, name)
      if (existsSync(file)) return file
    }
    if (dirname(dir) === dir) break
  }
  throw new SluiceError(
    'config',
    `no project config (${CONFIG_FILE_NAMES.join(', ')}) here or in a parent folder.`,
    {
      code: 'CONFIG_NOT_FOUND',
      hint: 'Run "sluice init" to start a project, "sluice demo" to try one, or pass --config <file>.',
    },
  )
}

/**
 * Loads `.env` next to the config into the environment, without overriding variables already set:
 * that is where `sluice init` tells people to put their keys.
 */
export function loadDotEnv(projectDir: string): void {
  const file = resolve(projectDir, '.env')
  if (existsSync(file)) process.loadEnvFile(file)
}
