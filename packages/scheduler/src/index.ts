export * from './alerts/index.js'
export { type Clock, ManualClock, systemClock } from './clock.js'
export {
  isTimed,
  lastFireTimeBetween,
  nextFireTime,
  nextFireTimes,
  type TimedSchedule,
} from './fire-times.js'
export * from './scheduler.js'
