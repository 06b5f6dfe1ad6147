import type { TObject, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { badRequest, type FieldError } from './problem.js'

interface RawError {
  instancePath: string
  keyword: string
  message: string
  params: Record<string, unknown>
}

const isArraySchema = (schema: TSchema | undefined) =>
  (schema as { type?: string } | undefined)?.type === 'array'

/** Query parameters as the schema wants them: arrays from repeated or comma-separated values. */
export function queryInput(schema: TObject, query: Record<string, string[]>): unknown {
  const input: Record<string, unknown> = {}
  for (const [key, values] of Object.entries(query)) {
    const property = schema.properties[key]
    input[key] = isArraySchema(property)
      ? values.flatMap((value) => value.split(',')).filter((value) => value !== '')
      : values.at(-1)
  }
  return Value.Convert(schema, input)
}

/** Checks a request part against its schema; a 400 naming every wrong field otherwise. */
export function parseInput<T>(schema: TSchema, value: unknown, where: 'query' | 'body' | 'path'): T {
  if (Value.Check(schema, value)) return value as T
  const errors = (Value.Errors(schema, value) as RawError[]).map((error) => fieldError(error, where))
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.field === e.field) === i)
  throw badRequest(
    `the request's ${where} is not valid: ${unique.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    unique,
  )
}

function fieldError(error: RawError, where: string): FieldError {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined) ?? []
    return { field: [...path, missing[0] ?? ''].join('.'), message: 'is required' }
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params.additionalProperties as string[] | undefined) ?? []
    return {
      field: [...path, extra[0] ?? ''].join('.'),
      message: `is not a ${where} parameter this endpoint takes`,
    }
  }
  const allowed = error.params.allowedValues as unknown[] | undefined
  const message = allowed ? `must be one of ${allowed.join(', ')}` : error.message
  return { field: path.join('.') || where, message }
}
