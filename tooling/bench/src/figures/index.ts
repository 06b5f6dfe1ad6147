import type { Figure } from '../harness/figure.js'

/** Every figure, in the order `pnpm bench` runs and prints them. */
export const figures: readonly Figure[] = []
