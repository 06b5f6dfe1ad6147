import { SluiceError } from '@sluice/core/contract'

/** The ways a Braze user can be named in /users/track and /users/delete. */
export const IDENTIFIER_KINDS = ['external_id', 'email', 'phone', 'braze_id', 'user_alias'] as const
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number]

/** How a sync's identifier field names a user. */
export interface Matching {
  kind: IdentifierKind
  /** the top-level key of `fields` the identifier arrives under, left out of the attributes */
  fieldKey: string
  /** for user aliases: the alias_label every alias of this sync has */
  aliasLabel?: string
}

export function isIdentifierKind(name: string): name is IdentifierKind {
  return (IDENTIFIER_KINDS as readonly string[]).includes(name)
}

/**
 * Reads a sync's identifier field: `external_id`, `email`, `phone`, `braze_id`, `user_alias` (with the
 * destination's `userAliasLabel`) or `user_alias.<label>` (the sync names its own label). Returns
 * undefined for any other field, which for events is an event key rather than a user.
 */
export function matchingFor(
  identifierField: string,
  defaultAliasLabel: string | undefined,
): Matching | undefined {
  if (identifierField === 'user_alias') {
    if (!defaultAliasLabel) {
      throw new SluiceError('config', 'the identifier field "user_alias" needs an alias label', {
        code: 'MISSING_ALIAS_LABEL',
        component: 'braze',
        hint: 'Set userAliasLabel in the destination config, or use the field "user_alias.<label>" in the sync.',
      })
    }
    return { kind: 'user_alias', fieldKey: 'user_alias', aliasLabel: defaultAliasLabel }
  }
  if (identifierField.startsWith('user_alias.')) {
    const label = identifierField.slice('user_alias.'.length)
    if (label === '') throw new SluiceError('config', 'the identifier field "user_alias." names no label')
    return { kind: 'user_alias', fieldKey: 'user_alias', aliasLabel: label }
  }
  if (isIdentifierKind(identifierField)) return { kind: identifierField, fieldKey: identifierField }
  return undefined
}

/** The identifying part of an attributes, event or purchase object. */
export function userReference(matching: Matching, value: string): Record<string, unknown> {
  if (matching.kind === 'user_alias') {
    return { user_alias: { alias_name: value, alias_label: matching.aliasLabel } }
  }
  return { [matching.kind]: value }
}
