import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN } from './helpers/cli.js'
import { type Fakes, sampleProject, startFakes } from './helpers/project.js'

const ANSI_CODE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

/**
 * `sluice run` on a real terminal: util-linux's `script` gives it a pseudo-terminal, as a user's
 * shell would, and records what it drew.
 */
let fakes: Fakes
let project: Awaited<ReturnType<typeof sampleProject>>
beforeAll(async () => {
  fakes = await startFakes()
  project = await sampleProject(6000, 'sluice-tty-')
})
afterAll(async () => {
  await fakes.close()
  await project.remove()
})

function onTerminal(
  command: string,
  env: Record<string, string>,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    // a terminal 120 columns wide, as a user's would be
    const child = spawn('script', ['-qefc', `stty cols 120 rows 30; ${command}`, '/dev/null'], {
      cwd: project.path,
      env: { ...process.env, ...env, TERM: 'xterm-256color', NO_COLOR: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let screen = ''
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, screen }))
  })
}

describe('sluice run on a terminal', () => {
  it('redraws one live line in place, in colour, then leaves the summary', async () => {
    fakes.brazeHost.faults.slowMs = 20
    const { code, screen } = await onTerminal(`${process.execPath} ${BIN} run customers_to_braze`, fakes.env)
    expect(code).toBe(2)
    // the line is rewritten in place: carriage return and erase-line, not new lines
    expect(screen).toContain('\r\x1b[2K')
    const frames = screen.split('\r\x1b[2K').map((frame) => frame.replace(ANSI_CODE, ''))
    const sending = frames.filter((f) => f.includes('customers_to_braze  sending'))
    expect(sending.length).toBeGreaterThan(1)
    // (the rate comes last: on a narrow terminal it is what gets cut)
    expect(sending.at(-1), JSON.stringify(sending.at(-1))).toMatch(
      /sending \d+%.* · 6,000 rows \+[\d,]+ ~0 -0 · [\d,]+ sent in [\d,]+ batch(es)? · [\d,]+ rejected/,
    )
    expect(screen).toContain('\x1b[33m') // colour on a terminal
    const summary = frames.at(-1)!
    expect(summary).toMatch(/▲ customers_to_braze {2}partially succeeded in [\d.]+m?s/)
    expect(summary).toContain('queried 6,000')
  })
})
