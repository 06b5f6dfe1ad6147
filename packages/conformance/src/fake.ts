/**
 * `@sluice/conformance/fake`: what a connector's fake API uses at run time (fault switches, counters,
 * the loopback host), without the vitest kit, so fakes also serve the runner's demo.
 */
export * from './faults.js'
export * from './host.js'
export type { DestinationFake, FakeStats, Faults, MalformedAnswer, ReadBack, StorageFake } from './types.js'
export { MALFORMED_ANSWERS } from './types.js'
