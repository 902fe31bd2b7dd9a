// Jest's transform of the project's TypeScript: transpile.js, whose cache `npm test` fills for
// every source before jest starts (ts-jest transpiled them again, a third of jest's time on a
// fresh clone). Jest keeps its own cache of the result too.
const { compiled } = require('./transpile');

module.exports = {
  process(source, filename) {
    return { code: compiled(source, filename) };
  },
};
