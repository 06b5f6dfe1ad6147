/**
 * The fake's in-memory Braze workspace: user profiles with their identifiers, attributes, custom
 * attributes, subscription group states, events and purchases, and the lookups /users/track,
 * /users/delete and /users/export/ids need.
 */

export interface UserAlias {
  alias_name: string
  alias_label: string
}

export interface BrazeUser {
  braze_id: string
  external_id?: string
  email?: string
  phone?: string
  user_aliases: UserAlias[]
  /** standard profile fields and custom attributes, as last set */
  attributes: Record<string, unknown>
  /** subscription group id → "subscribed" | "unsubscribed" */
  subscription_groups: Record<string, string>
  created_at: string
  /** a counter, so "most recently updated" is exact even within one millisecond */
  updated_seq: number
}

export interface StoredEvent {
  braze_id: string
  name: string
  time: string
  properties?: Record<string, unknown>
  app_id?: string
}

export interface StoredPurchase {
  braze_id: string
  product_id: string
  currency: string
  price: number
  quantity: number
  time: string
  properties?: Record<string, unknown>
}

/** The user-identifying keys of a request object. */
export interface UserKeys {
  external_id?: string
  braze_id?: string
  user_alias?: UserAlias
  email?: string
  phone?: string
}

/** Standard profile fields; everything else on a user is a custom attribute. */
export const PROFILE_FIELDS = new Set([
  'first_name',
  'last_name',
  'dob',
  'gender',
  'home_city',
  'country',
  'language',
  'time_zone',
  'current_location',
  'email_subscribe',
  'push_subscribe',
  'email_open_tracking_disabled',
  'email_click_tracking_disabled',
  'push_tokens',
  'date_of_first_session',
  'date_of_last_session',
  'marked_email_as_spam_at',
  'facebook',
  'twitter',
])

const aliasKey = (alias: UserAlias) => `${alias.alias_label}\u0000${alias.alias_name}`

export class UserStore {
  private readonly users = new Map<string, BrazeUser>()
  private readonly byExternalId = new Map<string, BrazeUser>()
  private readonly byAlias = new Map<string, BrazeUser>()
  private readonly byEmail = new Map<string, Set<BrazeUser>>()
  private readonly byPhone = new Map<string, Set<BrazeUser>>()
  readonly events: StoredEvent[] = []
  readonly purchases: StoredPurchase[] = []
  /** custom attribute name → data type, as /custom_attributes lists them; Braze keeps them once seen */
  readonly customAttributes = new Map<string, string>()
  private sequence = 0
  private created = 0

  get size(): number {
    return this.users.size
  }

  all(): IterableIterator<BrazeUser> {
    return this.users.values()
  }

  reset(): void {
    this.users.clear()
    this.byExternalId.clear()
    this.byAlias.clear()
    this.byEmail.clear()
    this.byPhone.clear()
    this.events.length = 0
    this.purchases.length = 0
    this.customAttributes.clear()
    this.sequence = 0
    this.created = 0
  }

  /**
   * The profile a request object names. Braze reads external_id first, then braze_id, the alias, and
   * the email before the phone. Several profiles may share an email or phone: the most recently updated
   * one with an external_id wins, else the most recently updated.
   */
  find(keys: UserKeys): BrazeUser | undefined {
    if (keys.external_id !== undefined) return this.byExternalId.get(keys.external_id)
    if (keys.braze_id !== undefined) return this.users.get(keys.braze_id)
    if (keys.user_alias !== undefined) return this.byAlias.get(aliasKey(keys.user_alias))
    if (keys.email !== undefined) return preferred(this.byEmail.get(keys.email.toLowerCase()))
    if (keys.phone !== undefined) return preferred(this.byPhone.get(keys.phone))
    return undefined
  }

  /** Every profile that holds an email or phone, for deletion by prioritization. */
  sharing(kind: 'email' | 'phone', value: string): BrazeUser[] {
    const index = kind === 'email' ? this.byEmail.get(value.toLowerCase()) : this.byPhone.get(value)
    return [...(index ?? [])]
  }

  /** A new profile for keys that name none yet (a braze_id cannot be chosen, so it never creates one). */
  create(keys: UserKeys): BrazeUser | undefined {
    if (
      keys.external_id === undefined &&
      keys.user_alias === undefined &&
      keys.email === undefined &&
      keys.phone === undefined
    ) {
      return undefined
    }
    const user: BrazeUser = {
      // Braze ids are 24 hex digits.
      braze_id: (++this.created).toString(16).padStart(24, '0'),
      user_aliases: [],
      attributes: {},
      subscription_groups: {},
      created_at: new Date().toISOString(),
      updated_seq: 0,
    }
    this.users.set(user.braze_id, user)
    if (keys.external_id !== undefined) this.setExternalId(user, keys.external_id)
    else if (keys.user_alias !== undefined) this.addAlias(user, keys.user_alias)
    else if (keys.email !== undefined) this.setEmail(user, keys.email)
    else if (keys.phone !== undefined) this.setPhone(user, keys.phone)
    this.touch(user)
    return user
  }

  touch(user: BrazeUser): void {
    this.sequence += 1
    user.updated_seq = this.sequence
  }

  setExternalId(user: BrazeUser, externalId: string): void {
    if (user.external_id !== undefined) this.byExternalId.delete(user.external_id)
    user.external_id = externalId
    this.byExternalId.set(externalId, user)
  }

  addAlias(user: BrazeUser, alias: UserAlias): void {
    if (this.byAlias.has(aliasKey(alias))) return
    user.user_aliases.push({ alias_name: alias.alias_name, alias_label: alias.alias_label })
    this.byAlias.set(aliasKey(alias), user)
  }

  setEmail(user: BrazeUser, email: string | null): void {
    if (user.email !== undefined) this.byEmail.get(user.email.toLowerCase())?.delete(user)
    if (email === null) {
      delete user.email
      return
    }
    user.email = email
    const key = email.toLowerCase()
    if (!this.byEmail.has(key)) this.byEmail.set(key, new Set())
    this.byEmail.get(key)!.add(user)
  }

  setPhone(user: BrazeUser, phone: string | null): void {
    if (user.phone !== undefined) this.byPhone.get(user.phone)?.delete(user)
    if (phone === null) {
      delete user.phone
      return
    }
    user.phone = phone
    if (!this.byPhone.has(phone)) this.byPhone.set(phone, new Set())
    this.byPhone.get(phone)!.add(user)
  }

  /** Removes a profile and every way to find it. Its events and purchases stay, as in Braze. */
  delete(user: BrazeUser): void {
    this.users.delete(user.braze_id)
    if (user.external_id !== undefined) this.byExternalId.delete(user.external_id)
    for (const alias of user.user_aliases) this.byAlias.delete(aliasKey(alias))
    if (user.email !== undefined) this.byEmail.get(user.email.toLowerCase())?.delete(user)
    if (user.phone !== undefined) this.byPhone.get(user.phone)?.delete(user)
  }
}

function preferred(candidates: Set<BrazeUser> | undefined): BrazeUser | undefined {
  if (!candidates || candidates.size === 0) return undefined
  const byRecency = [...candidates].sort((a, b) => b.updated_seq - a.updated_seq)
  return byRecency.find((u) => u.external_id !== undefined) ?? byRecency[0]
}
