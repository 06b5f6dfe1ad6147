export { compileMapping, type RowMapper } from './mapper.js'
export { readPath, writePath } from './paths.js'
