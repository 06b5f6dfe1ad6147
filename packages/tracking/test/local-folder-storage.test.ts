import { describe } from 'vitest'
import { localFolderStorage } from '../src/index.js'
import { tempDir } from './fixtures.js'
import { testLakeStorage } from './lake-storage-suite.js'

describe('local folder storage', () => {
  testLakeStorage(async () => localFolderStorage(await tempDir()))
})
