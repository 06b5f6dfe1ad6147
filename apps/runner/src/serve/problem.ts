import { redact } from '@sluice/core'

export interface FieldError {
  field: string
  message: string
}

/** An HTTP error the API answers with an RFC 9457 problem body. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail)
  }

  body() {
    return {
      type: `https://sluice.dev/problems/${this.title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
      title: this.title,
      status: this.status,
      // nothing the API says may carry a credential
      detail: redact(this.message),
      ...(this.errors.length > 0
        ? { errors: this.errors.map((e) => ({ field: e.field, message: redact(e.message) })) }
        : {}),
    }
  }
}

export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new ApiProblem(400, 'Bad request', detail, errors)
export const notFound = (detail: string) => new ApiProblem(404, 'Not found', detail)
export const conflict = (detail: string) => new ApiProblem(409, 'Conflict', detail)
