/** What `discover` returns: the objects a destination holds and their fields. */
export interface Catalog {
  objects: CatalogObject[]
}

export interface CatalogObject {
  name: string
  label?: string
  description?: string
  /** behaviours this object supports (a subset of the connector's) */
  behaviours?: string[]
  /**
   * true when a field the catalog does not list is created by the first write (Braze custom
   * attributes), so mapping to a new name is not a mistake
   */
  createsFields?: boolean
  fields: CatalogField[]
}

export interface CatalogField {
  name: string
  label?: string
  /** the destination's own type name (`string`, `email`, `picklist`, `boolean`, `time`, `object` …) */
  type: string
  /** can match records: an external id, a unique key */
  identifier?: boolean
  createable?: boolean
  updateable?: boolean
  required?: boolean
  /** maximum length for strings */
  length?: number
  /** allowed values for picklists and enums */
  values?: string[]
  /** a custom field the user created (Braze custom attributes, Salesforce `__c`) */
  custom?: boolean
}
