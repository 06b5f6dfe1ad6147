import type { Figure } from '../harness/figure.js'
import { cliFigure } from './cli.js'
import { diffFigure } from './diff.js'
import { diff100mFigure } from './diff-100m.js'
import { engineFigure } from './engine.js'
import { httpOverheadFigure } from './http-overhead.js'
import { incrementalFigure } from './incremental.js'
import { learnedRateLimitFigure } from './learned-rate-limit.js'
import { parquetFigure } from './parquet.js'
import { rateLimitFigure } from './rate-limit.js'
import { recordsApiFigure } from './records-api.js'
import { schedulerFigure } from './scheduler.js'
import { uiOverviewFigure } from './ui-overview.js'

/** Every figure, in the order `pnpm bench` runs and prints them. */
export const figures: readonly Figure[] = [
  diffFigure,
  diff100mFigure,
  engineFigure,
  httpOverheadFigure,
  rateLimitFigure,
  learnedRateLimitFigure,
  incrementalFigure,
  schedulerFigure,
  recordsApiFigure,
  uiOverviewFigure,
  cliFigure,
  parquetFigure,
]
