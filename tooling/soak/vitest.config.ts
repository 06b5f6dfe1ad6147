import { sluiceProject } from '@sluice/vitest-config'

export default sluiceProject('@sluice/soak')
