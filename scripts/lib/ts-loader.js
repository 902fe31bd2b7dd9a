// Runs the project's TypeScript in Node: `node -r ./scripts/lib/ts-loader.js scripts/<tool>.ts`.
// Every tool, the synth and the shell scripts' ts_tool start through it, with the transpile
// cache of transpile.js and V8's code cache of code-cache.js (ts-node took 4 of validate's 6 seconds).
require('./code-cache');
const fs = require('fs');
const path = require('path');
const { compiled, ROOT } = require('./transpile');

require.extensions['.ts'] = (module, filename) => {
  module._compile(compiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};

/** Directories whose TypeScript no tool loads (jest transpiles the tests as it runs them). */
const NOT_LOADED = new Set(['node_modules', '.git', 'dist', 'test', '.cdk8s.out', 'coverage']);

/** The project's TypeScript files the tools load. */
function sources(dir = ROOT) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_LOADED.has(entry.name) ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

// `node scripts/lib/ts-loader.js` fills the cache with every source, once, so that tools and jest
// started side by side on a fresh clone (npm test) do not each transpile the same files.
if (require.main === module) {
  for (const file of sources()) compiled(fs.readFileSync(file, 'utf8'), file);
}
