export * from './faults.js'
export * from './host.js'
export * from './kit/index.js'
export type { DestinationFake, FakeStats, Faults } from './types.js'
