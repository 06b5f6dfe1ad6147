import { stringifyJsonBody } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import {
  MAX_REQUEST_BYTES,
  type PackItem,
  type PackLimits,
  packTrackRequests,
  type TrackArray,
  trackBodyText,
} from '../src/packer.js'

const limits = (overrides: Partial<PackLimits> = {}): PackLimits => ({
  rule: 'total',
  objectsPerRequest: 75,
  maxRequestBytes: MAX_REQUEST_BYTES,
  ...overrides,
})

function items(array: TrackArray, count: number, start = 0): Array<PackItem<number>> {
  return Array.from({ length: count }, (_, i) => ({
    array,
    object: { external_id: `u${start + i}`, n: start + i },
    ref: start + i,
  }))
}

describe('packTrackRequests', () => {
  it('puts at most 75 objects in one request, in order', () => {
    const { requests, oversized } = packTrackRequests(items('attributes', 200), limits())
    expect(requests.map((r) => r.size)).toEqual([75, 75, 50])
    expect(requests.flatMap((r) => r.refs.attributes)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(oversized).toEqual([])
  })

  it('counts every array toward 75 under the current rule', () => {
    const mixed = [...items('attributes', 50), ...items('events', 50, 50), ...items('purchases', 10, 100)]
    const { requests } = packTrackRequests(mixed, limits())
    expect(requests.map((r) => r.size)).toEqual([75, 35])
    expect(requests[0]!.body.attributes).toHaveLength(50)
    expect(requests[0]!.body.events).toHaveLength(25)
    expect(requests[1]!.body.events).toHaveLength(25)
    expect(requests[1]!.body.purchases).toHaveLength(10)
  })

  it('counts each array on its own under the legacy rule', () => {
    const mixed = [...items('attributes', 75), ...items('events', 75, 75), ...items('purchases', 80, 150)]
    const { requests } = packTrackRequests(mixed, limits({ rule: 'per_array' }))
    expect(requests).toHaveLength(2)
    expect(requests[0]!.body.attributes).toHaveLength(75)
    expect(requests[0]!.body.events).toHaveLength(75)
    expect(requests[0]!.body.purchases).toHaveLength(75)
    expect(requests[1]!.body.purchases).toHaveLength(5)
  })

  it('honours a lower object limit', () => {
    const { requests } = packTrackRequests(items('attributes', 120), limits({ objectsPerRequest: 50 }))
    expect(requests.map((r) => r.size)).toEqual([50, 50, 20])
  })

  it('measures the body exactly and closes a request before it passes the byte limit', () => {
    const big = Array.from({ length: 30 }, (_, i) => ({
      array: (i % 2 === 0 ? 'attributes' : 'events') as TrackArray,
      object: { external_id: `u${i}`, text: 'é'.repeat(100 + i) },
      ref: i,
    }))
    const maxRequestBytes = 2_000
    const { requests } = packTrackRequests(big, limits({ maxRequestBytes }))
    expect(requests.length).toBeGreaterThan(1)
    for (const request of requests) {
      const actual = Buffer.byteLength(JSON.stringify(request.body))
      expect(request.bytes).toBe(actual)
      expect(actual).toBeLessThanOrEqual(maxRequestBytes)
    }
    // Each request is as full as it can be: the first object of the next one would not have fitted.
    for (let i = 0; i + 1 < requests.length; i++) {
      const next = requests[i + 1]!
      const firstArray = (['attributes', 'events'] as const).find(
        (a) => next.refs[a]?.[0] === Math.min(...Object.values(next.refs).flat()),
      )!
      const nextObject = next.body[firstArray]![0]!
      expect(requests[i]!.bytes + Buffer.byteLength(JSON.stringify(nextObject)) + 1).toBeGreaterThan(
        maxRequestBytes,
      )
    }
    expect(
      requests.flatMap((r) => [...(r.refs.attributes ?? []), ...(r.refs.events ?? [])]).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })

  it("puts each request's text together from the texts it measured, as serialising its body would", () => {
    const mixed: Array<PackItem<number>> = [
      { array: 'events', object: { external_id: 'e', name: 'signed "up"', time: '2026-12-06' }, ref: 0 },
      { array: 'attributes', object: { external_id: 'a', big: 9007199254740993n, tags: ['x', 'é'] }, ref: 1 },
      { array: 'events', object: { external_id: 'f', properties: { n: null } }, ref: 2 },
      { array: 'purchases', object: { external_id: 'p', price: 1.5 }, ref: 3 },
    ]
    for (const rule of ['total', 'per_array'] as const) {
      for (const objectsPerRequest of [1, 2, 75]) {
        for (const request of packTrackRequests(mixed, limits({ rule, objectsPerRequest })).requests) {
          const text = trackBodyText(request)
          expect(text).toBe(stringifyJsonBody(request.body))
          expect(Buffer.byteLength(text)).toBe(request.bytes)
        }
      }
    }
    expect(trackBodyText(packTrackRequests(mixed, limits()).requests[0]!)).toContain(
      '{"events":[{"external_id":"e"',
    )
  })

  it('sets aside an object too large for any request and packs the rest', () => {
    const list: Array<PackItem<string>> = [
      { array: 'attributes', object: { external_id: 'a' }, ref: 'a' },
      { array: 'attributes', object: { external_id: 'huge', blob: 'x'.repeat(500) }, ref: 'huge' },
      { array: 'attributes', object: { external_id: 'b' }, ref: 'b' },
    ]
    const { requests, oversized } = packTrackRequests(list, limits({ maxRequestBytes: 200 }))
    expect(oversized).toEqual(['huge'])
    expect(requests.flatMap((r) => r.refs.attributes)).toEqual(['a', 'b'])
  })
})
