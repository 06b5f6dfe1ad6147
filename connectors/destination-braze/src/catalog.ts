import type { Catalog, CatalogField } from '@sluice/core/contract'
import type { CustomAttributeInfo } from './api.js'

/** What a mapping can aim at on a user: identifiers first, then Braze's user profile fields. */
const IDENTIFIER_FIELDS: CatalogField[] = [
  { name: 'external_id', type: 'string', identifier: true, label: 'External user ID' },
  { name: 'email', type: 'email', identifier: true, label: 'Email' },
  { name: 'phone', type: 'phone', identifier: true, label: 'Phone (E.164)' },
  // assigned by Braze: it finds a user, it is never written
  {
    name: 'braze_id',
    type: 'string',
    identifier: true,
    createable: false,
    updateable: false,
    label: 'Braze ID',
  },
  { name: 'user_alias', type: 'object', identifier: true, label: 'User alias (name + label)' },
]

const SUBSCRIBE = ['opted_in', 'subscribed', 'unsubscribed']

const PROFILE_FIELDS: CatalogField[] = [
  { name: 'first_name', type: 'string' },
  { name: 'last_name', type: 'string' },
  { name: 'dob', type: 'date', label: 'Date of birth (YYYY-MM-DD)' },
  { name: 'gender', type: 'picklist', values: ['M', 'F', 'O', 'N', 'P'] },
  { name: 'home_city', type: 'string' },
  { name: 'country', type: 'string', label: 'Country (ISO-3166-1 alpha-2)' },
  { name: 'language', type: 'string', label: 'Language (ISO-639-1)' },
  { name: 'time_zone', type: 'string', label: 'Time zone (IANA)' },
  { name: 'current_location', type: 'object', label: 'Current location { longitude, latitude }' },
  { name: 'email_subscribe', type: 'picklist', values: SUBSCRIBE },
  { name: 'push_subscribe', type: 'picklist', values: SUBSCRIBE },
  { name: 'email_open_tracking_disabled', type: 'boolean' },
  { name: 'email_click_tracking_disabled', type: 'boolean' },
  {
    name: 'subscription_groups',
    type: 'array',
    label: 'Subscription groups: map subscription_groups.<group id> to subscribed / unsubscribed',
  },
  { name: 'push_tokens', type: 'array' },
  { name: 'date_of_first_session', type: 'time' },
  { name: 'date_of_last_session', type: 'time' },
  { name: 'marked_email_as_spam_at', type: 'time' },
  { name: 'facebook', type: 'object' },
  { name: 'twitter', type: 'object' },
]

const EVENT_FIELDS: CatalogField[] = [
  { name: 'name', type: 'string', required: true, label: 'Event name' },
  { name: 'time', type: 'time', label: 'When it happened (ISO 8601); now when unmapped' },
  { name: 'properties', type: 'object', label: 'Event properties; unmapped extra fields join them' },
  { name: 'app_id', type: 'string' },
]

/** Braze's custom attribute data types, as /custom_attributes names them, in the catalog's words. */
function customType(dataType: string | undefined): string {
  const type = (dataType ?? '').toLowerCase()
  if (type.includes('object') && type.includes('array')) return 'array'
  if (['string', 'number', 'boolean', 'time', 'array', 'object'].includes(type)) return type
  return type === '' ? 'unknown' : type
}

/** The catalog: users with standard and custom attributes, and events. */
export function brazeCatalog(customAttributes: CustomAttributeInfo[]): Catalog {
  const standard = new Set([...IDENTIFIER_FIELDS, ...PROFILE_FIELDS].map((f) => f.name))
  const custom: CatalogField[] = customAttributes
    .filter((a) => !standard.has(a.name) && a.status?.toLowerCase() !== 'blocklisted')
    .map((a) => ({
      name: a.name,
      type: customType(a.data_type),
      custom: true,
    }))
  // /users/track creates a profile or updates it with the same attributes; an event, once logged, is
  // never changed.
  const profile = (fields: CatalogField[]) =>
    fields.map((f) => ({ createable: true, updateable: true, ...f }))
  const event = (fields: CatalogField[]) => fields.map((f) => ({ ...f, createable: true, updateable: false }))
  return {
    objects: [
      {
        name: 'users',
        label: 'Users',
        description:
          'User profiles: standard and custom attributes, subscription group states. Custom attributes are created on first write.',
        behaviours: ['upsert', 'update', 'mirror', 'delete'],
        createsFields: true,
        fields: profile([...IDENTIFIER_FIELDS, ...PROFILE_FIELDS, ...custom]),
      },
      {
        name: 'events',
        label: 'Custom events',
        description: 'Custom events on user profiles, append-only.',
        behaviours: ['append'],
        createsFields: true,
        fields: event([...IDENTIFIER_FIELDS.map((f) => ({ ...f, identifier: false })), ...EVENT_FIELDS]),
      },
    ],
  }
}
