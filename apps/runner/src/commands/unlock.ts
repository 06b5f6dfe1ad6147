import { defineCommand } from '../framework/spec.js'

export default defineCommand({
  name: 'unlock',
  summary: "free a sync's run lock left by a run that is gone",
  usage: '<sync> [options]',
  description:
    'A running sync holds a lock whose lease its heartbeat renews; a run that dies leaves the lock until the ' +
    'lease expires (a minute by default), and a process that is gone on this host frees it at once. Unlock ' +
    'removes the lock now, whatever holds it, and records that run as incomplete. Only do this when you know ' +
    'the run is dead: if it is still running (on another machine, in a container), two runs would send the ' +
    'same rows at once.',
  options: {
    yes: { type: 'boolean', description: 'unlock without asking to confirm' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['sluice unlock customers_to_braze --yes'],
  run: (input) => import('../actions/unlock.js').then((action) => action.default(input)),
})
