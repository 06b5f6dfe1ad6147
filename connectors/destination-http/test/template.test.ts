import { describe, expect, it } from 'vitest'
import { lookup, placeholders, render, renderText } from '../src/template.js'

const scope = {
  name: 'Zoë "Z" O\'Neil',
  score: 42,
  big: 9007199254740993n,
  empty: null,
  address: { city: 'Paris', tags: ['a', 'b'] },
  $identifier: 'c/1 ?',
}

describe('templates', () => {
  it('a whole placeholder keeps the value and its type; a missing one leaves the member out', () => {
    expect(
      render(
        { n: '{{score}}', a: '{{address}}', e: '{{empty}}', m: '{{missing}}', x: [1, '{{score}}'] },
        scope,
      ),
    ).toEqual({ n: 42, a: { city: 'Paris', tags: ['a', 'b'] }, e: null, x: [1, 42] })
  })

  it('a placeholder inside a string becomes text, and the serialiser escapes it', () => {
    const body = render({ text: 'Hi {{name}} from {{address.city}} ({{empty}}) #{{address.tags.1}}' }, scope)
    expect(body).toEqual({ text: 'Hi Zoë "Z" O\'Neil from Paris () #b' })
    expect(JSON.parse(JSON.stringify(body))).toEqual(body)
  })

  it('a value cannot inject JSON members: it stays inside its string', () => {
    const hostile = { name: '", "admin": true, "x": "' }
    const text = JSON.stringify(render({ text: 'Hi {{name}}', role: 'user' }, hostile))
    expect(JSON.parse(text)).toEqual({ text: 'Hi ", "admin": true, "x": "', role: 'user' })
  })

  it('BIGINT travels as its exact decimal text', () => {
    expect(render({ big: '{{big}}', inText: 'v{{big}}' }, scope)).toEqual({
      big: '9007199254740993',
      inText: 'v9007199254740993',
    })
  })

  it('URL paths get URL-encoded values', () => {
    expect(renderText('/contacts/{{$identifier}}', scope, 'url')).toBe('/contacts/c%2F1%20%3F')
  })

  it('looks up own properties only, never a prototype', () => {
    expect(lookup({}, 'constructor')).toBeUndefined()
    expect(lookup({ a: {} }, 'a.__proto__')).toBeUndefined()
    expect(lookup({ a: [1, 2] }, 'a.length')).toBe(2)
    expect(render('{{toString}}', {})).toBeUndefined()
  })

  it('names the placeholders that are not field paths', () => {
    expect(placeholders({ a: '{{a.b}}', b: ['x {{c}}'] })).toEqual({ paths: ['a.b', 'c'], problems: [] })
    expect(placeholders('{{ a + b }}').problems).toHaveLength(1)
    expect(placeholders('{{a..b}}').problems).toHaveLength(1)
    expect(placeholders('{{a').problems).toHaveLength(1)
  })
})
