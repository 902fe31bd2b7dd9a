// The project's TypeScript as JavaScript: transpiled, never type-checked (`npm test` runs tsc),
// and cached by content under node_modules/.cache. The tools (ts-loader.js) and jest
// (jest-transform.js) share it, so npm test transpiles each file once: transpiling imports/*.ts
// (800 kB of generated classes) and the components took several times the work of most tools,
// and ts-jest did it again in every run on a fresh clone.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'stackspin-ts');
const TSCONFIG = path.join(ROOT, 'tsconfig.json');
// A new TypeScript, tsconfig.json or transpiler changes every key, so stale output is never reused.
const SALT = [require('typescript/package.json').version, fs.readFileSync(TSCONFIG, 'utf8'), fs.readFileSync(module.filename, 'utf8')].join('\0');
// TypeScript itself is loaded only on a cache miss.
let ts;
let compilerOptions;

function transpile(source, filename) {
  if (!ts) {
    ts = require('typescript');
    const config = ts.parseJsonConfigFileContent(ts.readConfigFile(TSCONFIG, ts.sys.readFile).config, ts.sys, ROOT);
    // The inline source map gives jest's failures and `node --enable-source-maps` the TypeScript's lines.
    compilerOptions = { ...config.options, noEmit: false, declaration: false, sourceMap: false, inlineSourceMap: true };
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
  // Keyed by content and base name (the source map names the file), not by directory: copies of
  // the project (bench --scale, the upgrade check's older checkout) share the output.
  const key = crypto.createHash('sha256').update(SALT).update(path.basename(filename)).update('\0').update(source).digest('hex');
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

module.exports = { compiled, ROOT };
