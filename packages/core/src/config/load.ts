import { readFile, stat } from 'node:fs/promises'
import { extname, isAbsolute, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { redact } from '../redact.js'
import type { LoadedConnectors } from './connectors.js'
import { duplicateKeyProblems, lineAndColumn } from './duplicate-keys.js'
import type { Env } from './env.js'
import { ConfigError, type Problem, toIssue } from './errors.js'
import { type ResolvedProject, resolveProject } from './resolve.js'

/** The names a project config may have, in the order they are looked for in a folder. */
export const CONFIG_FILE_NAMES = [
  'sluice.config.ts',
  'sluice.config.mts',
  'sluice.config.js',
  'sluice.config.mjs',
  'sluice.json',
] as const

export interface LoadOptions {
  /** where `${env:NAME}` references are read; `process.env` when absent */
  env?: Env
  /** the loaded connectors, to validate connector configs and what each sync asks of its destination */
  connectors?: LoadedConnectors
  /** the folder a relative path is taken from and file names in issues are shown relative to */
  cwd?: string
}

/**
 * Loads a project config: a file, or the first of `CONFIG_FILE_NAMES` in a folder. TypeScript configs
 * are imported, so the process needs a TypeScript loader (the runner runs under tsx); JSON is parsed.
 * Throws a `ConfigError` listing every problem.
 */
export async function loadProject(fileOrDir = '.', options: LoadOptions = {}): Promise<ResolvedProject> {
  const cwd = options.cwd ?? process.cwd()
  const file = await locateConfig(resolve(cwd, fileOrDir), cwd)
  const displayFile = display(file, cwd)
  const raw = await readConfig(file, displayFile)
  return resolveProject(raw, { file, displayFile, env: options.env, connectors: options.connectors })
}

/** The config file in a folder, or undefined when it holds none. */
export async function findConfigFile(dir: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(dir, name)
    if ((await kind(candidate)) === 'file') return candidate
  }
  return undefined
}

async function locateConfig(path: string, cwd: string): Promise<string> {
  const found = await kind(path)
  if (found === 'file') return path
  if (found === 'dir') {
    const file = await findConfigFile(path)
    if (file) return file
    throw single(display(path, cwd), {
      path: '',
      expected: `a project config: ${CONFIG_FILE_NAMES.join(', ')}`,
      found: 'none in this folder',
    })
  }
  throw single(display(path, cwd), { path: '', expected: 'a project config file', found: 'no such file' })
}

/** The config's raw value, before env references, validation and defaults. */
export async function readConfig(file: string, displayFile = file): Promise<unknown> {
  if (extname(file) === '.json') return parseJson(await readFile(file, 'utf8'), displayFile)
  let module: Record<string, unknown>
  try {
    // The modification time makes a changed file load anew instead of coming from the module cache.
    const { mtimeMs } = await stat(file)
    module = esModuleNamespace(await import(`${pathToFileURL(file).href}?mtime=${Math.trunc(mtimeMs)}`))
  } catch (error) {
    throw single(
      displayFile,
      { path: '', expected: 'a module that loads', found: redact(loadFailure(error, file)) },
      error,
    )
  }
  if (module.default === undefined) {
    throw single(displayFile, {
      path: '',
      expected: 'a default export: export default defineConfig({ … })',
      found: `no default export (exports: ${Object.keys(module).join(', ') || 'none'})`,
    })
  }
  return module.default
}

/**
 * A module's exports as an ES module would see them. A sluice.config.ts in a folder whose package.json
 * does not say "type": "module" is CommonJS to Node: compiled from ESM by the TypeScript loader, it marks
 * its exports `__esModule`, and Node hands them over whole as `default`, so its own default export is one
 * level down. The same unwrapping the loader applies to the imports of the modules it compiles.
 */
export function esModuleNamespace(namespace: Record<string, unknown>): Record<string, unknown> {
  const inner = namespace.default
  return inner !== null && typeof inner === 'object' && '__esModule' in inner
    ? (inner as Record<string, unknown>)
    : namespace
}

/**
 * Why a config module did not load, with the line where the TypeScript transform or the module's own
 * code stopped: "line 3, column 7: Expected ":" but found "default"".
 */
export function loadFailure(error: unknown, file: string): string {
  const reason = error instanceof Error ? error.message : String(error)
  if (/Unknown file extension/.test(reason)) {
    return `${reason} (run under tsx, or use sluice.config.js or sluice.json)`
  }
  // esbuild (through tsx): "Transform failed with 1 error:\n/path/file.ts:3:7: ERROR: message"
  const transform = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+): ERROR: (.+)`).exec(reason)
  if (transform) return `line ${transform[1]}, column ${transform[2]}: ${transform[3]}`
  // An error thrown while the module ran: its first stack frame inside the file.
  const stack = error instanceof Error ? (error.stack ?? '') : ''
  const at = `(?:${escapeRegExp(pathToFileURL(file).href)}|${escapeRegExp(file)})(?:\\?[^:]*)?`
  const frame = new RegExp(`${at}:(\\d+):(\\d+)`).exec(stack)
  return frame ? `line ${frame[1]}, column ${frame[2]}: ${reason}` : reason
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function parseJson(text: string, displayFile: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const position = /position (\d+)/.exec(reason)
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : ''
    throw single(
      displayFile,
      {
        path: '',
        expected: 'valid JSON',
        found: `${reason.replace(/ in JSON at position \d+.*$/s, '')}${where}`,
      },
      error,
    )
  }
  const duplicates = duplicateKeyProblems(text)
  if (duplicates.length > 0) throw new ConfigError(duplicates.map((p) => toIssue(displayFile, p)))
  return value
}

function single(file: string, problem: Problem, cause?: unknown): ConfigError {
  return new ConfigError([toIssue(file, problem)], cause === undefined ? {} : { cause })
}

/** Relative to the working folder when inside it, so messages read `sluice.json: …`. */
function display(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel
}

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path)
    return s.isDirectory() ? 'dir' : 'file'
  } catch {
    return undefined
  }
}
