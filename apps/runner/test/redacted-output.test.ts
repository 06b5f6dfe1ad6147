import { PassThrough } from 'node:stream'
import { redact, registerSecret } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { redactOutput } from '../src/output/redacted-output.js'

describe('command output', () => {
  it('passes through one redaction path, whatever writes to it', async () => {
    const secret = 'sf-refresh-token-0123456789'
    registerSecret(secret)
    const out = new PassThrough()
    redactOutput(redact, [out])
    out.write(
      `✖ login refused: ${JSON.stringify({ echoed: `refresh_token=${encodeURIComponent(secret)}` })}\n`,
    )
    out.write(`plain ${secret}\n`, 'utf8')
    out.end()
    const text = (await out.toArray()).join('')
    expect(text).toContain('login refused')
    expect(text).not.toContain(secret)
    expect(text).not.toContain(encodeURIComponent(secret))
  })
})
