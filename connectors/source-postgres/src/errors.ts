import { type ErrorCategory, SluiceError } from '@sluice/core'

export const COMPONENT = 'source-postgres'

interface PgError {
  code?: string
  message?: string
}

/** SQLSTATE classes and codes → Sluice's categories, with how to fix what a user can fix. */
function classify(code: string | undefined): { category: ErrorCategory; hint?: string } {
  if (!code) return { category: 'internal' }
  if (code === '28P01' || code === '28000')
    return { category: 'auth', hint: 'Check the user and password in the connection URL.' }
  if (code === '42501')
    return {
      category: 'auth',
      hint: 'Grant the role USAGE on the schema and SELECT on the model (a read-only role is enough).',
    }
  if (code === '3D000') return { category: 'config', hint: 'Check the database name in the connection URL.' }
  if (code === '57014') return { category: 'transient', hint: 'The statement was cancelled or timed out.' }
  if (code.startsWith('08') || code === '57P01' || code === '57P03') return { category: 'connection' }
  if (code.startsWith('40') || code.startsWith('53')) return { category: 'transient' }
  if (code.startsWith('42') || code.startsWith('22')) return { category: 'config' }
  return { category: 'internal' }
}

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EAI_AGAIN'])

/**
 * Maps an error of the `pg` driver onto a SluiceError naming what failed (and the statement, cut
 * short). Messages come from the server or the socket, never from the connection URL, so no password
 * can leak through them.
 */
export function postgresError(error: unknown, what: string, sql?: string): SluiceError {
  if (error instanceof SluiceError) return error
  const pgError = error as PgError
  const text = error instanceof Error ? error.message : String(error)
  const network =
    NETWORK.has(pgError.code ?? '') || /terminated unexpectedly|Connection terminated/i.test(text)
  const tls = /SSL|TLS|certificate/i.test(text)
  const { category, hint } =
    network || tls
      ? {
          category: 'connection' as const,
          hint: tls
            ? 'Check the ssl setting: the server and the client must agree on TLS.'
            : 'Check the host and port in the connection URL, and that PostgreSQL is running.',
        }
      : classify(pgError.code)
  return new SluiceError(category, `${what}: ${text}`, {
    component: COMPONENT,
    code: sql ? 'QUERY_FAILED' : category.toUpperCase(),
    cause: error,
    ...(hint ? { hint } : {}),
    details: {
      ...(pgError.code ? { sqlstate: pgError.code } : {}),
      ...(sql ? { sql: sql.length > 500 ? `${sql.slice(0, 500)}…` : sql } : {}),
    },
  })
}

export function cancelled(): SluiceError {
  return new SluiceError('cancelled', 'query cancelled', { component: COMPONENT, code: 'CANCELLED' })
}
