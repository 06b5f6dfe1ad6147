export * from './faults.js'
export * from './host.js'
export type { DestinationFake, FakeStats, Faults } from './types.js'
