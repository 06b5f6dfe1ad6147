export * from './fake.js'
export * from './kit/index.js'
