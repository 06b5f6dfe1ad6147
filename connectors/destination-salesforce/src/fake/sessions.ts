import { randomBytes } from 'node:crypto'

/** Access tokens the fake has issued, each valid for `ttlMs` or until expired on purpose. */
export class Sessions {
  private readonly tokens = new Map<string, number>()
  issued = 0

  constructor(private readonly ttlMs: number) {}

  issue(): string {
    // Salesforce access tokens look like `00D…!AQ…`: an org id, `!`, an opaque part.
    const token = `00D5g000004Fake!${randomBytes(32).toString('base64url')}`
    this.tokens.set(token, Date.now() + this.ttlMs)
    this.issued += 1
    return token
  }

  valid(token: string): boolean {
    const until = this.tokens.get(token)
    return until !== undefined && Date.now() < until
  }

  expireAll(): void {
    this.tokens.clear()
  }
}
