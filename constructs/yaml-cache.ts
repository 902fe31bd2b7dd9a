import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type * as Yaml from 'yaml';

/**
 * The `yaml` library is the largest cost of a synth (parsing the vendored Plan CRD, writing every
 * object and every values file) and of validate (reading the CRDs). Both are pure functions of
 * their input, so their results are kept by content under node_modules/.cache, like the
 * transpiled TypeScript (scripts/lib/ts-loader.js): a synth that changes one object serializes
 * only that object. Only plain JSON data is cached, because only then does its JSON text decide
 * the output; anything else (a class instance, `Infinity`, a hole in an array) goes to `yaml`
 * directly. The library is loaded on the first miss.
 */
const CACHE = path.join(__dirname, '..', 'node_modules', '.cache', 'stackspin-yaml');
// Another yaml release or another version of this file changes every key.
const SALT = `${JSON.parse(fs.readFileSync(require.resolve('yaml/package.json'), 'utf8')).version}\0${fs.readFileSync(__filename, 'utf8')}\0`;

type StringifyOptions = Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ParseOptions & Yaml.CreateNodeOptions & Yaml.ToStringOptions;

/**
 * `yaml`'s `stringify(value, options)`, cached when the value and options are plain JSON data and
 * `aliasDuplicateObjects` is false (with aliases, which objects are shared would matter too).
 */
export function stringify(value: unknown, options: StringifyOptions): string {
  if (options.aliasDuplicateObjects !== false || !isJson(value) || !isJson(options)) return requireYaml().stringify(value, options);
  return cached(`stringify\0${JSON.stringify(options)}\0${JSON.stringify(value)}`, (text) => text, () => requireYaml().stringify(value, options), (text) => text);
}

/** Each document's value (`parseAllDocuments(text).map((d) => d.toJS())`), cached when the text parses without error. */
export function parseAllValues(text: string): unknown[] {
  return cached(`parse\0${text}`, (json) => JSON.parse(json), () => {
    const documents = requireYaml().parseAllDocuments(text);
    const values: unknown[] = documents.map((d) => d.toJS());
    return documents.every((d) => d.errors.length === 0) && isJson(values) ? values : new Uncacheable(values);
  }, (values) => JSON.stringify(values));
}

/** A result that must not be stored. */
class Uncacheable<T> {
  constructor(public readonly value: T) {}
}

function cached<T>(input: string, read: (stored: string) => T, compute: () => T | Uncacheable<T>, write: (value: T) => string): T {
  const file = path.join(CACHE, createHash('sha256').update(SALT).update(input).digest('hex'));
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(file, 'utf8');
  } catch {
    // Not computed yet.
  }
  if (stored !== undefined) {
    try {
      return read(stored);
    } catch {
      // A damaged entry is computed again and replaced.
    }
  }
  const result = compute();
  if (result instanceof Uncacheable) return result.value;
  try {
    // Written aside and renamed, so a concurrent run never reads half an entry.
    fs.mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, write(result));
    fs.renameSync(partial, file);
  } catch {
    // A read-only node_modules only costs speed.
  }
  return result;
}

/** Whether JSON.stringify keeps everything `yaml` would see: plain objects, arrays without holes, finite numbers. */
function isJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || value[i] === undefined || !isJson(value[i])) return false;
        return Object.getPrototypeOf(value) === Array.prototype;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      // An undefined member is left out by both JSON and yaml.
      return Object.values(value).every((v) => v === undefined || isJson(v));
    }
    default:
      return false;
  }
}

function requireYaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof Yaml;
}
