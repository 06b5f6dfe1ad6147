/**
 * `@sluice/destination-sheets`: sync models into Google Sheets. The fake Sheets API for tests lives in
 * `@sluice/destination-sheets/fake`.
 */
export { columnIndex, columnLetters, parseRange, quoteSheet, rangeOf } from './a1.js'
export { createSheetsApi, InvalidWrite, type SheetsApi, type SheetsRequestCounts } from './api.js'
export { assertionClaims, assertionKeyId, SHEETS_SCOPE, signAssertion, verifyAssertion } from './auth/jwt.js'
export { MAX_CELL_CHARS, MAX_SPREADSHEET_CELLS, toCell } from './cells.js'
export {
  parseKey,
  type ResolvedSheetsConfig,
  resolveConfig,
  type ServiceAccountKey,
  SheetsConfig,
} from './config.js'
export {
  CAPABILITIES,
  connectSheets,
  type SheetsConnectOptions,
  sheets,
  sheets as default,
} from './connector.js'
