import { SluiceError } from '@sluice/core/contract'
import { bodyExcerpt, type HttpResponse } from '@sluice/core/http'

/** `Sforce-Limit-Info: api-usage=18/100000`: API requests used of the org's 24-hour allocation. */
export interface LimitInfo {
  used: number
  max: number
}

export function parseLimitInfo(header: string | undefined): LimitInfo | undefined {
  const match = /api-usage=(\d+)\/(\d+)/.exec(header ?? '')
  return match ? { used: Number(match[1]), max: Number(match[2]) } : undefined
}

/** A REST error body: `[{ errorCode, message, fields? }]`. */
export function restErrors(body: unknown): Array<{ errorCode: string; message: string }> {
  if (!Array.isArray(body)) return []
  return body
    .filter((e): e is { errorCode: string; message: string } => typeof e?.errorCode === 'string')
    .map((e) => ({ errorCode: e.errorCode, message: String(e.message ?? '') }))
}

/** Top-level error codes that mean the sync's configuration is wrong rather than the moment. */
const CONFIG_CODES = new Set([
  'INVALID_FIELD',
  'INVALID_TYPE',
  'NOT_FOUND',
  'MALFORMED_QUERY',
  'INVALIDJOB',
  'INVALID_OPERATION',
  'JSON_PARSER_ERROR',
  'API_DISABLED_FOR_ORG',
  'INSUFFICIENT_ACCESS',
])

export const apiFailure = {
  /** the org's daily allocation is spent: sending more would only be refused */
  allocationSpent(limits: LimitInfo | undefined): SluiceError {
    const usage = limits ? ` (api-usage=${limits.used}/${limits.max})` : ''
    return new SluiceError(
      'rate_limited',
      `the org's daily API request allocation is spent${usage}; Salesforce refuses further API requests until the rolling 24-hour window frees some.`,
      {
        code: 'API_ALLOCATION_SPENT',
        component: 'salesforce',
        retryable: false,
        hint: 'Run the sync later, lower how often it runs, raise bulkThreshold use (Bulk API 2.0 spends far fewer requests), or buy more API capacity.',
        details: limits ? { ...limits } : {},
      },
    )
  },

  /** An error about a whole request, in the taxonomy, with Salesforce's own code and message. */
  fromResponse(response: HttpResponse, what: string, limits: LimitInfo | undefined): SluiceError {
    const [first] = restErrors(response.body)
    const code = first?.errorCode
    const said = first
      ? `${first.errorCode}: ${first.message}`
      : bodyExcerpt(response.text) || `status ${response.status}`
    if (code === 'REQUEST_LIMIT_EXCEEDED') return apiFailure.allocationSpent(limits)
    const details = { status: response.status, ...(code ? { errorCode: code } : {}) }
    if (response.status === 401) {
      return new SluiceError(
        'auth',
        `${what}: Salesforce refused the session even after a new login (${said}).`,
        {
          code: code ?? 'UNAUTHORIZED',
          component: 'salesforce',
          details,
          hint: 'Check that the integration user is active and the connected app allows the api scope.',
        },
      )
    }
    if (response.status === 403) {
      return new SluiceError('auth', `${what}: Salesforce denied access (${said}).`, {
        code: code ?? 'FORBIDDEN',
        component: 'salesforce',
        details,
        hint: "Check the integration user's profile and permission sets for this object and its fields.",
      })
    }
    if ((code && CONFIG_CODES.has(code)) || response.status === 404 || response.status === 400) {
      return new SluiceError('config', `${what}: ${said}`, {
        code: code ?? 'BAD_REQUEST',
        component: 'salesforce',
        details,
      })
    }
    const category =
      response.status === 429 ? 'rate_limited' : response.status >= 500 ? 'transient' : 'internal'
    return new SluiceError(category, `${what}: Salesforce answered ${response.status}: ${said}`, {
      code: code ?? 'UNEXPECTED_RESPONSE',
      component: 'salesforce',
      details,
    })
  },
}
