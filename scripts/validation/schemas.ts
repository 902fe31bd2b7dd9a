import * as fs from 'fs';
import * as path from 'path';
import Ajv, { _, ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { cachedByContent, sourceOf, TEXT } from '../../constructs/content-cache';
import { parseFile } from '../../constructs/yaml-cache';
import { ValidationContext } from './context';
import { groupOf, LoadedTree, TreeObject } from './load';
import { Problem } from './problem';
import { substitutedDirectories, substituteExamples } from './substitution';

/** The pinned CRDs, one file per kind, named `<group>_<plural>.yaml`. */
export const CRD_DIRECTORY = path.join(__dirname, '..', '..', 'imports', 'crds');

/**
 * Kinds validated by no schema, each with the reason. Keep it short: every entry is a kind whose
 * typos reach clusters unnoticed.
 */
export const UNVALIDATED_KINDS: ReadonlyMap<string, string> = new Map([
  ['traefik.io/v1alpha1 Middleware', 'its CRD ships inside the traefik chart, so only the render rules (test/render) have it'],
]);

const BUILT_IN_API_VERSION = /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/;
const PRE_RELEASE = /v\d+(alpha|beta)\d+$/;

interface CrdVersions {
  readonly file: string;
  /** Served version -> openAPIV3Schema. */
  readonly schemas: ReadonlyMap<string, unknown>;
}

/**
 * Validates objects against the schema of their exact apiVersion: the vendored CRDs for custom
 * kinds, `kubernetes-models` for built-in ones. Each schema is read and compiled once, on first use.
 */
export class SchemaValidator {
  // The CRDs are upstream's and valid: skip meta-schema validation, and skip code optimisation,
  // which costs more at compile time than it saves on a few hundred objects. The code is kept
  // (source) so that it can be cached: compiling the schemas was a third of a validate.
  private readonly ajv = new Ajv({
    strict: false, allErrors: true, validateSchema: false, formats: FORMATS,
    code: { optimize: false, source: true, formats: _`require(${FORMATS_MODULE})`, regExp: goRegExp },
  });
  private readonly crdFilesByGroup = new Map<string, string[]>();
  private readonly crds = new Map<string, CrdVersions>();
  private readonly parsedFiles = new Set<string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(crdDirectory: string = CRD_DIRECTORY) {
    for (const file of fs.readdirSync(crdDirectory).filter((f) => /^[^_]+_.+\.ya?ml$/.test(f)).sort()) {
      const group = file.slice(0, file.indexOf('_'));
      this.crdFilesByGroup.set(group, [...(this.crdFilesByGroup.get(group) ?? []), path.join(crdDirectory, file)]);
    }
  }

  /** Adds CRDs from elsewhere (those charts install); a vendored CRD of the same kind wins. */
  public addCrds(crds: readonly any[]): void {
    for (const crd of crds) {
      const key = `${crd.spec?.group} ${crd.spec?.names?.kind}`;
      if (this.crd(crd.spec?.group, crd.spec?.names?.kind) === undefined) this.crds.set(key, versionsOf(crd, 'a chart'));
    }
  }

  public validate(object: TreeObject): Problem[] {
    const { apiVersion, kind } = object.manifest;
    const at = (field: string | undefined, message: string): Problem => ({ file: object.file, object: object.id, field, message });
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      return [at(typeof apiVersion !== 'string' ? 'apiVersion' : 'kind', 'is missing; every object needs apiVersion and kind')];
    }
    const group = groupOf(apiVersion);
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
    const crd = this.crd(group, kind);
    // With a chart's CRD added (the render rules), even these kinds are checked.
    if (!crd && UNVALIDATED_KINDS.has(`${apiVersion} ${kind}`)) return [];
    if (crd) {
      const schema = crd.schemas.get(version);
      if (schema === undefined) {
        return [at('apiVersion', `${apiVersion} is not served by the pinned CRD (${path.basename(crd.file)} serves ${[...crd.schemas.keys()].map((v) => `${group}/${v}`).join(', ')}); use a served version`)];
      }
      const validate = this.compile(`${group}/${version} ${kind}`, schema);
      return validate(object.manifest) ? [] : (validate.errors ?? []).map((e) => at(fieldOf(e), messageOf(e)));
    }
    return this.validateBuiltIn(object, at);
  }

  private validateBuiltIn(object: TreeObject, at: (field: string | undefined, message: string) => Problem): Problem[] {
    const { apiVersion, kind } = object.manifest;
    const model = BUILT_IN_API_VERSION.test(apiVersion) ? builtInModel(apiVersion, kind) : undefined;
    const known = model === undefined || PRE_RELEASE.test(apiVersion) ? builtInVersions(kind) : [];
    // Once a kind is GA, its alpha and beta versions are removed from the API (or soon will be).
    const ga = known.filter((v) => !PRE_RELEASE.test(v));
    if (model !== undefined && ga.length > 0) {
      return [at('apiVersion', `${apiVersion} is a pre-release API that Kubernetes has replaced; use ${ga.join(', ')}`)];
    }
    if (model === undefined) {
      if (known.length > 0) return [at('apiVersion', `${apiVersion} has no ${kind}; the Kubernetes API serves it as ${(ga.length > 0 ? ga : known).join(', ')}`)];
      return [at('apiVersion', `no schema for ${apiVersion} ${kind}; vendor its CRD into imports/crds/ (or, with a reason, add it to UNVALIDATED_KINDS in scripts/validation/schemas.ts)`)];
    }
    try {
      new model(object.manifest).validate();
      return [];
    } catch (e) {
      const errors = (e as { errors?: ErrorObject[] }).errors;
      if (!errors) throw e;
      return errors.map((error) => at(fieldOf(error), messageOf(error)));
    }
  }

  private crd(group: string, kind: string): CrdVersions | undefined {
    const key = `${group} ${kind}`;
    if (!this.crds.has(key)) {
      for (const file of this.crdFilesByGroup.get(group) ?? []) this.parse(file);
    }
    return this.crds.get(key);
  }

  private parse(file: string): void {
    if (this.parsedFiles.has(file)) return;
    this.parsedFiles.add(file);
    for (const crd of parseFile(file) as any[]) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      this.crds.set(`${crd.spec.group} ${crd.spec.names.kind}`, versionsOf(crd, file));
    }
  }

  /** Ajv's validator of a schema, its generated code cached by content; the same code runs on a miss. */
  private compile(key: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      const closed = closeObjects(schema);
      const code = cachedByContent('ajv', VALIDATOR_SALT, JSON.stringify(closed), () => standaloneCode(this.ajv, this.ajv.compile(closed)), TEXT);
      validate = loadValidator(code);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

function versionsOf(crd: any, file: string): CrdVersions {
  const schemas = new Map<string, unknown>();
  for (const v of crd.spec.versions ?? []) {
    if (v.served !== false && v.schema?.openAPIV3Schema) schemas.set(v.name, v.schema.openAPIV3Schema);
  }
  return { file, schemas };
}

/** Schema problems of every object of a tree, each validated as Flux will apply it (substituted). */
export function checkSchemas(tree: LoadedTree, context: ValidationContext, validator: SchemaValidator = new SchemaValidator()): Problem[] {
  const substituted = substitutedDirectories(tree);
  return tree.objects.flatMap((o) => validator.validate(substituted.has(path.posix.dirname(o.file))
    ? { ...o, manifest: substituteExamples(o.manifest, context) }
    : o));
}

/**
 * The API server refuses unknown fields (kubectl and Flux apply with strict field validation), but
 * CRD schemas leave `additionalProperties` open: close every object that lists its properties.
 * Descriptions are dropped: they are most of a CRD and slow compilation down.
 */
function closeObjects(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const closed: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') continue;
    closed[k] = k === 'properties'
      ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)]))
      : closeObjects(v);
  }
  if (closed.properties && closed.additionalProperties === undefined && !closed['x-kubernetes-preserve-unknown-fields']) {
    closed.additionalProperties = false;
  }
  return closed;
}

type Model = new (data: unknown) => { validate(): void };

const PACKAGE_ROOT = path.dirname(require.resolve('kubernetes-models/package.json'));

/** The model class of a built-in kind; one file per kind, so only the kinds used are loaded. */
function builtInModel(apiVersion: string, kind: string): Model | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind) || !fs.existsSync(path.join(PACKAGE_ROOT, apiVersion, `${kind}.js`))) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const model = (require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, unknown>)[kind];
  return typeof model === 'function' ? model as Model : undefined;
}

/** The built-in apiVersions that serve a kind, in any group, for "wrong version" messages. */
function builtInVersions(kind: string): string[] {
  const cached = versionsByKind.get(kind);
  if (cached) return cached;
  const versionsIn = (dir: string): string[] => fs.readdirSync(path.join(PACKAGE_ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^v\d/.test(e.name))
    .map((e) => path.posix.join(dir, e.name));
  const groups = fs.readdirSync(PACKAGE_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[a-z]/.test(e.name) && !/^v\d/.test(e.name))
    .map((e) => e.name);
  const versions = [...versionsIn('.'), ...groups.flatMap(versionsIn)]
    .filter((apiVersion) => builtInModel(apiVersion, kind) !== undefined)
    .sort();
  versionsByKind.set(kind, versions);
  return versions;
}

const versionsByKind = new Map<string, string[]>();

function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') parts.push(error.params.additionalProperty);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i > 0 ? '.' : ''}${p}`)).join('') || '.';
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required': return 'is required by the schema';
    case 'additionalProperties': return 'is not a field of this kind in the schema; remove it or fix its spelling';
    case 'enum': return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default: return error.message ?? error.keyword;
  }
}

/** A validator from Ajv's standalone code (a CommonJS module); it asks for FORMATS by FORMATS_MODULE. */
function loadValidator(code: string): ValidateFunction {
  const module: { exports: any } = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFor = (id: string): unknown => (id === FORMATS_MODULE ? FORMATS : id === REGEXP_MODULE ? goRegExp : require(id));
  new Function('module', 'exports', 'require', code)(module, module.exports, requireFor);
  return module.exports;
}

/** How generated validator code refers to FORMATS (not a file: loadValidator answers it). */
const FORMATS_MODULE = 'stackspin:validation-formats';

/** How generated validator code refers to goRegExp (not a file: loadValidator answers it). */
const REGEXP_MODULE = 'stackspin:go-regexp';

/**
 * CRD patterns are Go (RE2) regular expressions, which the API server evaluates. JavaScript lacks
 * inline flags such as `^(?i)...`: they become flags of the whole expression (CRDs use them
 * at the start, where the two mean the same).
 */
function goRegExp(pattern: string, flags: string): RegExp {
  const inline = [...pattern.matchAll(/\(\?([ims]+)\)/g)].map((m) => m[1]).join('');
  return new RegExp(pattern.replace(/\(\?[ims]+\)/g, ''), [...new Set([...flags, ...inline])].join(''));
}
goRegExp.code = `require(${JSON.stringify(REGEXP_MODULE)})`;

/** The OpenAPI formats the CRDs use; Kubernetes checks these loosely, and so do we. */
const FORMATS = {
  'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i,
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
  int32: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) },
};

// Another Ajv release or another version of this file (options, formats) changes every key.
const VALIDATOR_SALT = `${JSON.parse(fs.readFileSync(require.resolve('ajv/package.json'), 'utf8')).version}\0${sourceOf(__filename)}`;
