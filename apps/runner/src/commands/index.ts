import type { CommandSpec } from '../framework/spec.js'
import check from './check.js'
import { connectors, connectorsAdd, connectorsList } from './connectors.js'
import demo from './demo.js'
import discover from './discover.js'
import doctor from './doctor.js'
import init from './init.js'
import records from './records.js'
import reset from './reset.js'
import run from './run.js'
import runs from './runs.js'
import runsShow from './runs-show.js'
import schedule from './schedule.js'
import serve from './serve.js'
import status from './status.js'
import testRow from './test-row.js'
import unlock from './unlock.js'
import validate from './validate.js'
import worker from './worker.js'

/** Every command, in the order `sluice --help` lists them. */
export const commands: readonly CommandSpec[] = [
  demo,
  init,
  validate,
  check,
  discover,
  run,
  testRow,
  status,
  runs,
  runsShow,
  records,
  reset,
  schedule,
  serve,
  worker,
  unlock,
  doctor,
  connectors,
  connectorsList,
  connectorsAdd,
]
