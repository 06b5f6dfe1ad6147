/** Connector names the generator's tests scaffold: short, plain, long and hyphenated. */
export const SCAFFOLD_NAMES = ['x', 'acme', 'enterprise-customer-data-platform-v2', 'hub-spot'] as const
