import { describeDestinationConformance } from '@sluice/conformance'
import { createFakeSheets, FAKE_SPREADSHEET_ID } from '../src/fake/index.js'
import { sheets } from '../src/index.js'
import { serviceAccount } from './keys.js'

const account = serviceAccount()
// A key the fake does not know: the token endpoint refuses its signature.
const stranger = serviceAccount()

const config = (url: string, keyJson: string) => ({
  spreadsheetId: FAKE_SPREADSHEET_ID,
  auth: { type: 'service_account' as const, credentials: keyJson },
  apiUrl: url,
})

describeDestinationConformance({
  connector: sheets,
  fake: () =>
    createFakeSheets({
      serviceAccounts: [{ email: account.email, publicKey: account.publicKey }],
      // A sheet someone prepared: its header names the columns, in an order of their choosing.
      spreadsheets: [
        { id: FAKE_SPREADSHEET_ID, values: { Customers: [['customer_id', 'name', 'score', 'active']] } },
      ],
    }),
  config: (url) => config(url, account.keyJson(url)),
  badCredentials: (url) => config(url, stranger.keyJson(url)),
  secrets: (c) => [
    c.auth.type === 'service_account' ? (c.auth.credentials as string) : '',
    account.privateKey,
    stranger.privateKey,
  ],
  object: 'Customers',
  identifierField: 'customer_id',
  record: (i) => ({ customer_id: `cust-${i}`, name: `Customer ${i}`, score: i * 1.5, active: i % 2 === 0 }),
  textField: 'name',
  // A Google Sheets cell is empty or holds a value: an empty string reads back as an empty cell.
  stored: (fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === '' ? null : v])),
  refreshesTokens: true,
})
