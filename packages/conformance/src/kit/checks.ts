import { behaviourChecks } from './checks-behaviours.js'
import { configChecks } from './checks-config.js'
import { deliveryChecks } from './checks-delivery.js'
import { secretChecks } from './checks-secrets.js'

/** Every check, in the order suites run them and CONFORMANCE.md lists them. */
export const CHECKS = [...configChecks, ...behaviourChecks, ...deliveryChecks, ...secretChecks]
