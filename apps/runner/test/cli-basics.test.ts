import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'

let dir: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  dir = await tempDir()
})
afterAll(() => dir.remove())

describe('the command line itself', () => {
  it('lists every command and the exit codes with --help', async () => {
    const result = await sluice(['--help'], { cwd: dir.path })
    expect(result.code).toBe(0)
    for (const command of [
      'init',
      'validate',
      'check',
      'discover',
      'run',
      'test-row',
      'status',
      'runs',
      'runs show',
      'records',
      'connectors',
      'reset',
      'schedule',
      'serve',
      'demo',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    }
    expect(result.stdout).toContain('2    partially succeeded')
  })

  it('prints help and fails when given no command', async () => {
    const result = await sluice([], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Usage: sluice <command>')
  })

  it('has --help with an example on every command', async () => {
    const list = await sluice(['--help'], { cwd: dir.path })
    const names = [...list.stdout.matchAll(/^ {2}([a-z-]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]!)
    expect(names.length).toBeGreaterThanOrEqual(13)
    const helps = await Promise.all(
      names.map((name) => sluice([...name.split(' '), '--help'], { cwd: dir.path })),
    )
    helps.forEach((help, i) => {
      const name = names[i]!
      expect(help.code, name).toBe(0)
      expect(help.stdout, name).toContain(`Usage: sluice ${name}`)
      expect(help.stdout, name).toMatch(/Examples:\n {2}\$ sluice /)
    })
  }, 120_000)

  it('suggests the closest command for a typo', async () => {
    const result = await sluice(['rn', 'x'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('unknown command "rn". Did you mean "run"?')
    const far = await sluice(['frobnicate'], { cwd: dir.path })
    expect(far.stderr).toContain('unknown command "frobnicate".')
    expect(far.stderr).not.toContain('Did you mean')
  })

  it('suggests the closest flag for a typo, and points at the command help', async () => {
    const result = await sluice(['run', 'a', '--dryrun'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('unknown option "--dryrun" for "sluice run". Did you mean "--dry-run"?')
    expect(result.stderr).toContain('Run "sluice run --help"')
  })

  it('suggests the closest allowed value', async () => {
    const result = await sluice(['runs', '--status', 'faild'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Did you mean "failed"?')
  })

  it('refuses a missing argument with the usage line', async () => {
    const result = await sluice(['runs', 'show'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('missing argument: sluice runs show <run | latest>')
  })

  it('prints its version', async () => {
    const result = await sluice(['--version'], { cwd: dir.path })
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('says how to get the demo when its package is not installed', async () => {
    const result = await sluice(['demo', 'try-it'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'the demo is a separate package, @sluice/demo, and it is not installed here',
    )
    expect(result.stderr).toContain('npm install @sluice/demo')
  })
})
