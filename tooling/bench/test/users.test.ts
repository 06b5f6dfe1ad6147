import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, describe, expect, it } from 'vitest'
import { changeUsersSql, generateUsers, withDatabase } from '../src/data/users.js'

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-users-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function query(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file)
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

describe('generated users model', () => {
  const file = path.join(dir, 'users.duckdb')

  it('has the requested rows, unique ids 1..n and no NULLs', async () => {
    await generateUsers(file, 10_000)
    const [row] = await query(
      file,
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi,
              count(*) FILTER (WHERE email IS NULL OR plan IS NULL OR score IS NULL) AS nulls
       FROM users`,
    )
    expect(row).toEqual({ n: '10000', ids: '10000', lo: '1', hi: '10000', nulls: '0' })
  })

  it('changes exactly 1% per round, a different 1% each round', async () => {
    await generateUsers(file, 10_000)
    await query(file, 'CREATE TABLE before AS SELECT * FROM users')
    await withDatabase(file, (sql) => sql(changeUsersSql(1, 0)))
    await query(file, 'CREATE TABLE after_first AS SELECT * FROM users')
    await withDatabase(file, (sql) => sql(changeUsersSql(1, 1)))
    const changed = (from: string, to: string) =>
      query(
        file,
        `SELECT count(*) AS n FROM ${from} a JOIN ${to} b USING (id)
         WHERE a.score <> b.score OR a.updated_at <> b.updated_at`,
      )
    expect(await changed('before', 'after_first')).toEqual([{ n: '100' }])
    expect(await changed('after_first', 'users')).toEqual([{ n: '100' }])
    expect(await changed('before', 'users')).toEqual([{ n: '200' }])
  })

  it('refuses nonsense sizes', async () => {
    await expect(generateUsers(file, 0)).rejects.toThrow(/positive integer/)
    expect(() => changeUsersSql(101, 0)).toThrow(/0 to 100/)
  })
})
