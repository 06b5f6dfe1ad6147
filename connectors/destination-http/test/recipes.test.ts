import { readFileSync } from 'node:fs'
import { type FakeHost, startFakeHost } from '@sluice/conformance/fake'
import { type ConnectorContext, silentLogger } from '@sluice/core/contract'
import { HttpResponse, http as route } from 'msw'
import { afterEach, describe, expect, it } from 'vitest'
import http, { type HttpConfig } from '../src/index.js'

/** The README's recipes, as written there, pointed at a loopback API with its `${env:…}` filled in. */
function recipe(name: string, url: string): HttpConfig {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const block = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!block) throw new Error(`no recipe "${name}" in the README`)
  const config = JSON.parse(block[1]!.replace(/\$\{env:[A-Z_]+\}/g, 'secret-value-for-tests')) as HttpConfig
  return { ...config, url: `${url}${new URL(config.url).pathname.replace(/\/$/, '')}` }
}

const ctx = (): ConnectorContext => ({ signal: new AbortController().signal, log: silentLogger })
const row = (id: string) => ({
  identifier: id,
  fields: { customer_id: id, name: `Ann ${id}`, email: `${id}@example.com`, plan: 'pro', ltv: 12.5 },
})
let host: FakeHost | undefined
afterEach(async () => {
  await host?.close()
  host = undefined
})

describe('the README recipes', () => {
  it('Slack: a message per new row, and ok: false is no acknowledgement', async () => {
    const sent: unknown[] = []
    host = await startFakeHost([
      route.post('/api/auth.test', () => HttpResponse.json({ ok: true })),
      route.post('/api/chat.postMessage', async ({ request }) => {
        const body = (await request.json()) as { text: string }
        sent.push(body)
        return HttpResponse.json(
          body.text.includes('Ann 2') ? { ok: false, error: 'channel_not_found' } : { ok: true },
        )
      }),
    ])
    const destination = http.connect(recipe('slack', host.url), ctx())
    await destination.check(ctx())
    const batch = { object: 'signups', operation: 'append' as const, identifierField: 'customer_id' }
    expect(await destination.write({ ...batch, records: [row('1')] }, ctx())).toEqual([
      { status: 'succeeded' },
    ])
    expect(sent).toEqual([{ channel: '#signups', text: 'New signup: Ann 1 <1@example.com> on the pro plan' }])
    const refused = await destination.write({ ...batch, records: [row('2')] }, ctx()).catch((e: Error) => e)
    expect(String((refused as Error).message)).toMatch(/channel_not_found/)
    await destination.close?.()
  })

  it('REST: a PUT per record, a 4xx rejects only its record, DELETE removes', async () => {
    const calls: string[] = []
    host = await startFakeHost([
      route.put('/v1/customers/:id', async ({ request, params }) => {
        calls.push(`PUT ${params.id} ${JSON.stringify(await request.json())}`)
        return params.id === 'bad'
          ? HttpResponse.json({ message: 'email is not valid' }, { status: 422 })
          : HttpResponse.json({ id: params.id })
      }),
      route.delete('/v1/customers/:id', ({ params }) => {
        calls.push(`DELETE ${params.id}`)
        return new HttpResponse(null, { status: 204 })
      }),
    ])
    const destination = http.connect(recipe('rest', host.url), ctx())
    const batch = { object: 'customers', identifierField: 'customer_id' }
    const results = await destination.write(
      { ...batch, operation: 'upsert', records: [row('a'), row('bad')] },
      ctx(),
    )
    expect(results[0]).toEqual({ status: 'succeeded' })
    expect(results[1]).toMatchObject({ status: 'rejected', reason: '422: email is not valid' })
    expect(calls).toContain(
      'PUT a {"email":"a@example.com","name":"Ann a","plan":"pro","lifetime_value":12.5}',
    )
    const gone = { identifier: 'a', fields: { customer_id: 'a' } }
    expect(await destination.write({ ...batch, operation: 'delete', records: [gone] }, ctx())).toEqual([
      { status: 'succeeded' },
    ])
    expect(calls).toContain('DELETE a')
    await destination.close?.()
  })

  it('batch: one request per batch, results matched by id', async () => {
    const bodies: Array<{ mode: string; contacts: Array<{ external_id: string }> }> = []
    host = await startFakeHost([
      route.post('/v2/contacts/batch', async ({ request }) => {
        const body = (await request.json()) as (typeof bodies)[number]
        bodies.push(body)
        const results = [...body.contacts]
          .reverse()
          .map((c) =>
            c.external_id === 'b'
              ? { external_id: 'b', error: { message: 'attribute plan is unknown' } }
              : { external_id: c.external_id, status: 'created' },
          )
        return HttpResponse.json({ data: { results } })
      }),
    ])
    const destination = http.connect(recipe('batch', host.url), ctx())
    const results = await destination.write(
      {
        object: 'contacts',
        operation: 'upsert',
        identifierField: 'customer_id',
        records: ['a', 'b', 'c'].map(row),
      },
      ctx(),
    )
    expect(results).toEqual([
      { status: 'succeeded' },
      { status: 'rejected', reason: 'attribute plan is unknown' },
      { status: 'succeeded' },
    ])
    expect(bodies).toHaveLength(1)
    expect(bodies[0]!.mode).toBe('upsert')
    expect(bodies[0]!.contacts[0]).toEqual({ external_id: 'a', attributes: row('a').fields })
    await destination.close?.()
  })
})
