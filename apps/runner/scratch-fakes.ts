import { startFakeHost } from '@sluice/conformance'
import { createFakeBraze, FAKE_BRAZE_API_KEY } from '@sluice/destination-braze/fake'
import { createFakeSalesforce } from '@sluice/destination-salesforce/fake'

const braze = await startFakeHost(createFakeBraze())
braze.faults.slowMs = Number(process.env.SLOW ?? 0)
const sf = await startFakeHost(createFakeSalesforce({ clientId: 'c', refreshTokens: ['r'] }))
console.log(
  `export BRAZE_API_KEY=${FAKE_BRAZE_API_KEY} BRAZE_INSTANCE_URL=${braze.url} SALESFORCE_LOGIN_URL=${sf.url} SALESFORCE_CLIENT_ID=c SALESFORCE_REFRESH_TOKEN=r`,
)
setInterval(() => {}, 1 << 30)
