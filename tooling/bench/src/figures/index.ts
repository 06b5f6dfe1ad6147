import type { Figure } from '../harness/figure.js'
import { diffFigure } from './diff.js'
import { engineFigure } from './engine.js'

/** Every figure, in the order `pnpm bench` runs and prints them. */
export const figures: readonly Figure[] = [diffFigure, engineFigure]
