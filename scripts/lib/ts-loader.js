// Runs the project's TypeScript in Node: `node -r ./scripts/lib/ts-loader.js scripts/<tool>.ts`.
// Every tool, the synth and the shell scripts' ts_tool start through it. TypeScript is only
// transpiled, never type-checked (`npm test` runs tsc), and each file's JavaScript is cached by
// content: transpiling imports/*.ts (800 kB of generated classes) and the components on every
// start cost several times the work of most tools (ts-node took 4 of validate's 6 seconds).
require('./code-cache');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'stackspin-ts');
const TSCONFIG = path.join(ROOT, 'tsconfig.json');
// A new TypeScript, tsconfig.json or loader changes every key, so stale output is never reused.
const SALT = [require('typescript/package.json').version, fs.readFileSync(TSCONFIG, 'utf8'), fs.readFileSync(module.filename, 'utf8')].join('\0');
// TypeScript itself is loaded only on a cache miss.
let ts;
let compilerOptions;

function transpile(source, filename) {
  if (!ts) {
    ts = require('typescript');
    const config = ts.parseJsonConfigFileContent(ts.readConfigFile(TSCONFIG, ts.sys.readFile).config, ts.sys, ROOT);
    compilerOptions = { ...config.options, noEmit: false, declaration: false };
  }
  const result = ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: true });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(errors.map((d) => {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${path.relative(ROOT, filename)}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }).join('\n'));
  }
  return result.outputText;
}

/** The JavaScript of one TypeScript file, from the cache when its content was seen before. */
function compiled(source, filename) {
  // Keyed by content, not path: the output does not depend on where the file lives.
  const key = crypto.createHash('sha256').update(SALT).update(path.extname(filename)).update('\0').update(source).digest('hex');
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const output = transpile(source, filename);
    try {
      // Written aside and renamed, so a concurrent run never reads half a file.
      fs.mkdirSync(CACHE, { recursive: true });
      const partial = `${cached}.${process.pid}`;
      fs.writeFileSync(partial, output);
      fs.renameSync(partial, cached);
    } catch {
      // A read-only node_modules only costs speed.
    }
    return output;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(compiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};

/** Directories whose TypeScript no tool loads through this loader (tests run under ts-jest). */
const NOT_LOADED = new Set(['node_modules', '.git', 'dist', 'test', '.cdk8s.out', 'coverage']);

/** The project's TypeScript files the tools load. */
function sources(dir = ROOT) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_LOADED.has(entry.name) ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

// `node scripts/lib/ts-loader.js` fills the cache with every source, once, so that tools started
// side by side on a fresh clone (npm test) do not each transpile the same files.
if (require.main === module) {
  for (const file of sources()) compiled(fs.readFileSync(file, 'utf8'), file);
}
