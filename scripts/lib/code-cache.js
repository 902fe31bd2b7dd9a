// V8's compiled code of every CommonJS module, kept between runs (Node 20 has no
// module.enableCompileCache). Compiling JavaScript is a large part of starting a tool that
// loads cdk8s and the tree's constructs; with the code V8 made in an earlier run, it is skipped.
// One cache per tool (main script), written at exit when a module was new or changed and holding
// exactly the modules that run loaded, so it never outgrows one run's code. Each module's code is
// keyed by its content, so an edited module is compiled again. Left out under a debugger or
// coverage, which want Node's own compilation, for scripts outside the project, and before Node
// 20.12, whose vm cannot give a compiled module Node's own dynamic import().
const { Buffer } = require('buffer');
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.join(__dirname, '..', '..');
const DIRECTORY = path.join(ROOT, 'node_modules', '.cache', 'stackspin-v8');

function install() {
  if (process.execArgv.some((a) => /^--(inspect|debug|prof|cpu-prof)/.test(a)) || process.env.NODE_V8_COVERAGE) return;
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER === undefined) return;
  // Relative, so a copy of the project (tests, bench --scale) shares its tool's cache; a script
  // outside the project is not one of its tools, and would add a cache per script.
  const main = process.argv[1] ? path.relative(ROOT, path.resolve(process.argv[1])) : '[eval]';
  if (main.startsWith('..') || path.isAbsolute(main)) return;
  const file = path.join(DIRECTORY, `${crypto.createHash('sha256').update(`${process.version}\0${process.arch}\0${main}`).digest('hex').slice(0, 32)}.bin`);
  const stored = read(file);
  const used = new Map();
  let changed = false;

  Module.prototype._compile = function compileWithCache(content, filename) {
    const key = `${filename}\0${crypto.createHash('sha1').update(content).digest('base64')}`;
    const cachedData = stored.get(key);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData && !script.cachedDataRejected) {
      used.set(key, cachedData);
    } else {
      used.set(key, script);
      changed = true;
    }
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    if (!changed) return;
    try {
      // After the run, so the code of every function that ran is included, not only top-level code.
      write(file, [...used].map(([key, entry]) => [key, Buffer.isBuffer(entry) ? entry : entry.createCachedData()]));
    } catch {
      // A read-only node_modules only costs speed.
    }
  });
}

/** The require function Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod) {
  const require = (id) => mod.require(id);
  const resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** key -> code; a missing or damaged file is an empty cache. */
function read(file) {
  try {
    const blob = fs.readFileSync(file);
    const indexLength = blob.readUInt32LE(0);
    const index = JSON.parse(blob.subarray(4, 4 + indexLength).toString('utf8'));
    let offset = 4 + indexLength;
    const entries = new Map();
    for (const [key, length] of index) {
      entries.set(key, blob.subarray(offset, offset + length));
      offset += length;
    }
    return offset === blob.length ? entries : new Map();
  } catch {
    return new Map();
  }
}

function write(file, entries) {
  const index = Buffer.from(JSON.stringify(entries.map(([key, code]) => [key, code.length])), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(index.length, 0);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed, so a concurrent run never reads half a file.
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, Buffer.concat([header, index, ...entries.map(([, code]) => code)]));
  fs.renameSync(partial, file);
}

install();
