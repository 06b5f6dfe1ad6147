import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url))

/** Links workspace packages into a project's node_modules, as `npm install` would put them there. */
export async function linkPackages(projectDir: string, packages: string[]): Promise<void> {
  await mkdir(join(projectDir, 'node_modules', '@sluice'), { recursive: true })
  for (const path of packages) {
    const name = path.split('/').pop()!
    await symlink(join(REPO, path), join(projectDir, 'node_modules', '@sluice', name), 'junction')
  }
}

/** Every JSON line of a command's stdout. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T)
}

/** The runs a `--json` command printed. */
export const runsOf = (stdout: string) => jsonLines<{ runId: string; sync: string; status: string }>(stdout)
