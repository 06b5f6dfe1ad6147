import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { capabilitiesOf, defineDestination } from '../src/contract/index.js'
import { ConfigError, resolveProject } from '../src/index.js'
import { connectors, validProject } from './fixtures/config/connectors.js'

/** A generic destination: its batch size and behaviours come from its config. */
const generic = defineDestination({
  name: 'generic',
  config: Type.Object({ batchSize: Type.Integer({ minimum: 1 }), canDelete: Type.Boolean() }),
  capabilities: { behaviours: ['upsert', 'delete', 'mirror'], batchSize: 1_000, concurrency: 8 },
  capabilitiesFor: (config) => ({
    behaviours: config.canDelete ? ['upsert', 'delete', 'mirror'] : ['upsert'],
    batchSize: config.batchSize,
    concurrency: 2,
  }),
  connect() {
    throw new Error('validation never connects')
  },
})

describe('capabilities computed from the config', () => {
  it('capabilitiesOf gives the computed ones, and the declared ones without capabilitiesFor', () => {
    expect(capabilitiesOf(generic, { batchSize: 25, canDelete: false })).toEqual({
      behaviours: ['upsert'],
      batchSize: 25,
      concurrency: 2,
    })
    expect(capabilitiesOf(connectors.destinations.crm, {} as never)).toBe(
      connectors.destinations.crm.capabilities,
    )
  })

  it('refuses computed capabilities beyond the declared ones', () => {
    expect(() => capabilitiesOf(generic, { batchSize: 5_000, canDelete: true })).toThrow(
      /batchSize is above the declared 1000/,
    )
  })

  it('validation holds a sync to the capabilities of its destination config', () => {
    const project = validProject()
    project.destinations.generic = { type: 'generic', config: { batchSize: 50, canDelete: false } }
    project.syncs.contacts = {
      ...project.syncs.contacts,
      destination: 'generic',
      behaviour: 'mirror',
      batching: { size: 80 },
    }
    let error: unknown
    try {
      resolveProject(project, {
        file: '/project/sluice.json',
        displayFile: 'sluice.json',
        env: { CRM_API_KEY: 'crm-key-0123456789' },
        connectors: { ...connectors, destinations: { ...connectors.destinations, generic } },
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const messages = (error as ConfigError).issues.map((i) => i.message).join('\n')
    expect(messages).toContain('/syncs/contacts/behaviour: expected a behaviour generic supports: upsert')
    expect(messages).toContain('/syncs/contacts/batching/size: expected at most 50')
  })
})
