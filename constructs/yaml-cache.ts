import * as fs from 'fs';
import type * as Yaml from 'yaml';
import { cachedByContent, sourceOf, TEXT, Uncacheable } from './content-cache';

// The `yaml` library is the largest cost of a synth (parsing the vendored Plan CRD, writing every
// object and every values file) and of validate (reading the tree and the CRDs). Both are pure
// functions of their input, so their results are cached by content (constructs/content-cache.ts):
// a synth that changes one object serializes only that object. Only plain JSON data is cached,
// because only then does its JSON text decide the output; anything else (a class instance,
// `Infinity`, a hole in an array) goes to `yaml` every time. The library is loaded on a miss only.

// Another yaml release or another version of this file changes every key.
const SALT = `${JSON.parse(fs.readFileSync(require.resolve('yaml/package.json'), 'utf8')).version}\0${sourceOf(__filename)}`;

type StringifyOptions = Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ParseOptions & Yaml.CreateNodeOptions & Yaml.ToStringOptions;

/**
 * `yaml`'s `stringify(value, options)`, cached when the value and options are plain JSON data and
 * `aliasDuplicateObjects` is false (with aliases, which objects are shared would matter too).
 */
export function stringify(value: unknown, options: StringifyOptions): string {
  if (options.aliasDuplicateObjects !== false || !isJson(value) || !isJson(options)) return requireYaml().stringify(value, options);
  return cachedByContent('yaml', SALT, `stringify\0${JSON.stringify(options)}\0${JSON.stringify(value)}`, () => requireYaml().stringify(value, options), TEXT);
}

/** One document of a YAML text: its value, or the first error that makes it invalid. */
export type YamlDocument = { readonly value: unknown; readonly error?: undefined } | { readonly value?: undefined; readonly error: string };

/** Each document of a YAML text (`parseAllDocuments`), cached when every one is valid. */
export function parseDocuments(text: string): YamlDocument[] {
  return cachedByContent('yaml', SALT, `parse\0${text}`, () => {
    const documents: YamlDocument[] = requireYaml().parseAllDocuments(text)
      .map((d) => (d.errors.length > 0 ? { error: d.errors[0].message } : { value: d.toJS() }));
    return documents.every((d) => d.error === undefined) && isJson(documents.map((d) => d.value)) ? documents : new Uncacheable(documents);
  }, {
    read: (json) => (JSON.parse(json) as unknown[]).map((value) => ({ value })),
    write: (documents) => JSON.stringify(documents.map((d) => d.value)),
  });
}

/** The value of every document of a YAML file; throws naming the file if one is invalid. */
export function parseFile(file: string): unknown[] {
  return parseDocuments(fs.readFileSync(file, 'utf8')).map((d) => {
    if (d.error !== undefined) throw new Error(`${file} is not valid YAML: ${d.error.split('\n')[0]}`);
    return d.value;
  });
}

/** Whether JSON.stringify keeps everything `yaml` would see: plain objects, arrays without holes, finite numbers. */
export function isJson(value: unknown): boolean {
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
