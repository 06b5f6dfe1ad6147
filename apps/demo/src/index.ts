/**
 * `@sluice/demo`: the demo's sample warehouse, its project and the connectors' fake APIs. The runner
 * finds this package when `sluice demo` runs and calls `runDemo`; it bundles none of it.
 */
export { type DemoDestination, type DemoDestinations, startDemoDestinations } from './destinations.js'
export { DEMO_CONNECTORS, installDemoConnectors } from './install-connectors.js'
export { DEMO_DESTINATIONS, DEMO_SYNCS, type DemoDestinationName, demoConfig } from './project.js'
export { runDemo } from './run-demo.js'
export { changeDemoWarehouse, createDemoWarehouse } from './warehouse.js'
