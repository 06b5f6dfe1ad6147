import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { commands } from '../src/commands/index.js'
import { GLOBAL_OPTIONS } from '../src/framework/spec.js'
import { REPO } from './helpers/project.js'

// No docker here: the compose file is read as text, and every sluice command it runs must exist with
// the options it passes.
it('deploy/compose.yaml runs PostgreSQL, Redis, serve and workers with commands that exist', async () => {
  const text = await readFile(join(REPO, 'deploy', 'compose.yaml'), 'utf8')
  const services = [...text.matchAll(/^ {2}([a-z-]+):\s*$/gm)].map((m) => m[1])
  expect(services).toEqual(expect.arrayContaining(['postgres', 'redis', 'serve', 'worker']))
  expect(text).toMatch(/replicas: \d+/)

  const sluiceCommands = [...text.matchAll(/^\s+command: (\[.*\])\s*$/gm)]
    .map((m) => JSON.parse(m[1]!) as string[])
    .filter((argv) => argv.includes('sluice'))
  expect(sluiceCommands.map((argv) => argv[argv.indexOf('sluice') + 1]).sort()).toEqual(['serve', 'worker'])
  for (const argv of sluiceCommands) {
    const [name, ...rest] = argv.slice(argv.indexOf('sluice') + 1)
    const spec = commands.find((c) => c.name === name)
    expect(spec, `sluice ${name}`).toBeDefined()
    const known = new Set([...Object.keys(spec!.options ?? {}), ...Object.keys(GLOBAL_OPTIONS)])
    for (const option of rest.filter((a) => a.startsWith('--'))) {
      expect(known.has(option.slice(2)), `sluice ${name} ${option}`).toBe(true)
    }
  }
  // the project's config reads these: the compose file must set them
  for (const variable of ['DATABASE_URL', 'REDIS_URL']) expect(text).toContain(`${variable}:`)
})
