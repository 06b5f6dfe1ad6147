import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig, S3ConfigSchema } from '../src/config.js'

describe('resolveConfig', () => {
  it('applies the defaults', () => {
    expect(resolveConfig({ url: 's3://acme-exports/reverse-etl/' })).toEqual({
      location: { kind: 's3', bucket: 'acme-exports', prefix: 'reverse-etl/' },
      region: undefined,
      endpoint: undefined,
      format: 'csv',
      gzip: false,
      mode: 'changes',
      key: '{sync}/{date}/{run}/{operation}-{part}',
      manifestKey: '{sync}/{date}/{run}/manifest.json',
      maxFileBytes: 128 * 1024 * 1024,
      partSizeBytes: 8 * 1024 * 1024,
      columns: {},
    })
  })

  it('takes file: URLs, absolute or relative to the project folder', () => {
    expect(resolveConfig({ url: 'file:///var/exports' }).location).toEqual({
      kind: 'folder',
      path: '/var/exports',
    })
    expect(resolveConfig({ url: 'file:exports' }).location).toEqual({
      kind: 'folder',
      path: resolve('exports'),
    })
  })

  it('names every problem with its path', () => {
    let message = ''
    try {
      resolveConfig({
        url: 'file:out',
        region: 'eu-west-1',
        format: 'parquet',
        gzip: true,
        key: '{sync}/{operation}-{count}',
        manifestKey: '{sync}/manifest-{part}.json',
        columns: { amount: 'DECIMAL(18,2)' },
        partSizeBytes: 1024,
        extra: 1,
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^\[sluice\] \[s3\] invalid config: /)
    expect(message).toContain('partSizeBytes: ')
    expect(message).toContain('config: must not have additional properties (extra)')
    expect(() =>
      resolveConfig({ url: 'file:out', region: 'eu-west-1', format: 'parquet', gzip: true }),
    ).toThrow(/gzip: parquet files are compressed already.*region: only applies to an s3:\/\/ url/)
    expect(() => resolveConfig({ url: 's3://b-1/x', key: '{sync}/{operation}-{count}' })).toThrow(
      /key: unknown placeholder \{count\}.*key: must hold \{run\}.*key: must hold \{part\}/,
    )
    expect(() => resolveConfig({ url: 's3://b-1/x', manifestKey: '{run}/m-{part}.json' })).toThrow(
      /manifestKey: \{part\} is not known for a manifest/,
    )
    expect(() => resolveConfig({ url: 's3://b-1/x', columns: { a: 'BIGINT' } })).toThrow(
      /columns: types apply to parquet files only/,
    )
    expect(() => resolveConfig({ url: 's3://B_ucket' })).toThrow(/url: "B_ucket" is not a valid bucket name/)
    expect(() => resolveConfig({ url: 'https://example.com' })).toThrow(
      /neither s3:\/\/bucket\/prefix nor a file: URL/,
    )
    expect(() => resolveConfig({ url: 's3://b-1', endpoint: 'not a url' })).toThrow(
      /endpoint: "not a url" is not a URL/,
    )
  })

  it('keeps the published JSON Schema deliberate', () => {
    const snapshot = new URL('./__snapshots__/config.schema.json', import.meta.url)
    const current = `${JSON.stringify(S3ConfigSchema, null, 2)}\n`
    expect(current).toBe(readFileSync(snapshot, 'utf8'))
  })
})

describe('discover', () => {
  it('lists files as an object that takes any field, so validate --online accepts every mapping', async () => {
    const { s3 } = await import('../src/connector.js')
    const destination = s3.connect({ url: 'file:exports', mode: 'diff' }, {} as never)
    const catalog = await destination.discover!({} as never)
    expect(catalog.objects).toEqual([
      expect.objectContaining({ name: 'files', behaviours: ['mirror'], createsFields: true, fields: [] }),
    ])
    await destination.close?.()
  })
})
