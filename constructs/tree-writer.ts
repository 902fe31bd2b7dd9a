import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Document, isScalar, visit } from 'yaml';
import { isTypedReference, QUOTE_VARIABLE, SECRET_VARIABLE_NAMES } from './cluster-variables';
import { FluxKustomization } from './flux-kustomization';
import { TreeChart } from './tree-chart';
import { cachedByContent, sourceOf, TEXT } from './content-cache';
import { TREE_MARKER } from './entries';
import { nameProblems } from './kubernetes-names';
import { isJson, stringify } from './yaml-cache';

/**
 * Kinds without a namespace (Kubernetes' own, and the cluster-scoped custom resources the tree
 * uses): the writer drops any namespace cdk8s stamped on them.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding',
  'ClusterTrustBundle', 'ComponentStatus', 'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'DeviceClass',
  'FlowSchema', 'IngressClass', 'IPAddress', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume', 'PriorityClass',
  'PriorityLevelConfiguration', 'RuntimeClass', 'ServiceCIDR', 'StorageClass', 'StorageVersionMigration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration',
  'VolumeAttachment', 'VolumeAttributesClass',
]);

/** The annotation that makes kustomize-controller skip substitution for one object. */
export const SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

/** `${...}` with an optional leading `$` (Flux's escape). */
const REFERENCE = /(\$?)\$\{([^}]*)\}/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(:=[^}]*)?$/;

/** A rendered tree: file path under the tree root -> file content. */
export type RenderedTree = Map<string, string>;

/** Escapes `${` as `$${`, so Flux leaves a literal (shell, app config) alone and un-escapes it. */
export function escapeSubstitution(text: string): string {
  return text.replace(/\$\{/g, () => '$${');
}

/**
 * Renders every TreeChart of an app into files, in memory, checking names and labels (as the API
 * server would), namespaces and substitution references. Throws (naming file, object and field) before anything is written.
 */
export function renderTree(app: App): RenderedTree {
  const charts = app.node.findAll().filter((c): c is TreeChart => c instanceof TreeChart);
  const kustomizations = FluxKustomization.all(app);
  const files: RenderedTree = new Map();
  const errors: string[] = [];
  const directories = new Set<string>();
  // Kind namespace/name -> who wrote it: two writers means one would overwrite the other in the cluster.
  const writers = new Map<string, string>();

  for (const chart of charts) {
    if (directories.has(chart.directory)) errors.push(`two charts write directory ${chart.directory}`);
    directories.add(chart.directory);
    const appliers = kustomizations.filter((k) => k.target === chart);
    const expected = chart.externallyApplied ? 0 : 1;
    if (appliers.length !== expected) {
      errors.push(`directory ${chart.directory} is applied by ${appliers.length} Kustomizations (${appliers.map((k) => k.name).join(', ') || 'none'}); ${expected} must target it`);
      continue;
    }
    const applier: Applier = appliers[0] ?? { name: `the entry ${chart.directory}`, substitute: false, secrets: [] };
    const allowed = new Set<string>(applier.substitute ? [QUOTE_VARIABLE, ...SECRET_VARIABLE_NAMES, ...applier.secrets.flatMap((s) => Object.keys(s.keys))] : []);
    const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
    const names: string[] = [];
    const used = new Set<string>();
    for (const object of objects) {
      const manifest = normalize(object.toJson());
      const where = `${chart.directory}/${fileName(manifest)} (${describe(manifest)})`;
      const kind: string = manifest.kind;
      if (CLUSTER_SCOPED_KINDS.has(kind)) {
        delete manifest.metadata.namespace;
      } else if (!manifest.metadata.namespace) {
        errors.push(`${where}: metadata.namespace is missing; set it explicitly (kustomize-controller would use 'default')`);
      }
      if (manifest.metadata.annotations?.[SUBSTITUTE_ANNOTATION] !== 'disabled') {
        errors.push(...checkReferences(manifest, where, applier, allowed, used));
      }
      errors.push(...nameProblems(manifest, where));
      const file = fileName(manifest);
      const identity = `${groupOf(manifest.apiVersion)}/${describe(manifest)}`;
      const writer = writers.get(identity);
      if (writer !== undefined && writer !== ownerOf(chart)) {
        errors.push(`${describe(manifest)} is created by both ${writer} and ${ownerOf(chart)}; one would overwrite the other in the cluster: keep it in one of them`);
      }
      writers.set(identity, ownerOf(chart));
      if (names.includes(file)) errors.push(`${where}: another object in ${chart.directory} also writes ${file}; give them different names`);
      names.push(file);
      const substituted = applier.substitute && manifest.metadata.annotations?.[SUBSTITUTE_ANNOTATION] !== 'disabled';
      files.set(`${chart.directory}/${file}`, toYaml(manifest, substituted ? SubstitutedStrings.FLUX_QUOTE : SubstitutedStrings.AS_IS));
    }
    // Substituting from a secret the output never reads would make the app wait for it for nothing.
    for (const secret of applier.secrets) {
      if (!Object.keys(secret.keys).some((key) => used.has(key))) {
        errors.push(`Kustomization ${applier.name} substitutes from ${secret.name}, but nothing in ${chart.directory} references its keys (${Object.keys(secret.keys).join(', ')}); use them or drop the secret`);
      }
    }
    files.set(`${chart.directory}/kustomization.yaml`, toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: names.sort(),
    }));
  }
  if (errors.length > 0) {
    throw new Error(`synth refused, nothing written:\n  - ${errors.join('\n  - ')}`);
  }
  return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** What a chart is, for messages: `component wekan (apps/wekan)` or the platform's own directory. */
function ownerOf(chart: TreeChart): string {
  // Component (a TreeChart with a definition) is not imported: it imports what imports this file.
  const component = (chart as { definition?: { name?: unknown } }).definition?.name;
  return typeof component === 'string' ? `component ${component} (${chart.directory})` : `the platform's ${chart.directory}`;
}

function groupOf(apiVersion: unknown): string {
  const text = String(apiVersion ?? '');
  return text.includes('/') ? text.slice(0, text.indexOf('/')) : 'core';
}

export interface WriteTreeOptions {
  /** Called after every step of a write, with what it did; tests make it throw to simulate a crash. @default none */
  readonly afterStep?: (step: string) => void;
}

/** Temporary files of a write: hidden, beside their final name, `*.tmp-<pid>` (git-ignored). */
const TEMPORARY = /^\..+\.tmp-(\d+)$/;
/** Whole-tree copies that writes before this scheme left beside the tree when killed. */
const OLD_SCHEME_LEFTOVER = /^(.+)\.(tmp|old)-(\d+)$/;

/**
 * Makes `outdir` hold exactly the rendered tree, safely against a crash at any point: the
 * directory always exists and every file in it is whole, either its old or its new version.
 *
 * 1. Every new or changed file is written to a hidden temporary file beside it (a crash leaves
 *    the old tree, plus temporaries the next write removes).
 * 2. Each is renamed over its final name, an atomic replace: object files first, then each
 *    directory's kustomization.yaml, so a kustomization.yaml never lists a file that is not there.
 * 3. Files the new tree lacks are deleted, the kustomization.yaml of a removed directory first
 *    (no remaining list names a deleted file), then empty directories.
 *
 * A crash during 2 or 3 leaves some files new and some old, and the next write completes the
 * tree; leftovers of crashed writes (temporaries, and old-scheme `<outdir>.tmp-*`/`.old-*`
 * copies) are removed first, unless the process that made them still runs. A whole directory
 * cannot be swapped atomically with rename(2) alone, which is why the unit is the file.
 */
export function writeTree(files: RenderedTree, outdir: string, options: WriteTreeOptions = {}): void {
  const target = writableTreeDirectory(outdir, files);
  const step = options.afterStep ?? ((): void => undefined);
  removeLeftovers(target);
  fs.mkdirSync(target, { recursive: true });

  const staged: { file: string; temporary: string; final: string }[] = [];
  try {
    for (const [file, content] of files) {
      const final = path.join(target, file);
      if (readIfFile(final) === content) continue;
      const temporary = path.join(path.dirname(final), `.${path.basename(final)}.tmp-${process.pid}`);
      fs.mkdirSync(path.dirname(final), { recursive: true });
      staged.push({ file, temporary, final });
      fs.writeFileSync(temporary, content);
      step(`staged ${file}`);
    }
  } catch (e) {
    // Nothing is replaced yet: take back what was staged, and say why in one line.
    for (const { temporary } of staged) fs.rmSync(temporary, { force: true });
    throw writeError(e, outdir);
  }
  const isList = (file: string): boolean => path.basename(file) === 'kustomization.yaml';
  for (const { file, temporary, final } of [...staged.filter((s) => !isList(s.file)), ...staged.filter((s) => isList(s.file))]) {
    fs.renameSync(temporary, final);
    step(`replaced ${file}`);
  }
  const removed = listFiles(target).filter((f) => !files.has(f) && !TEMPORARY.test(path.basename(f)));
  for (const file of [...removed.filter(isList), ...removed.filter((f) => !isList(f))]) {
    fs.unlinkSync(path.join(target, file));
    step(`deleted ${file}`);
  }
  removeEmptyDirectories(target);
}

/** Why a directory cannot be written, with the fix; other errors as they are. */
function writeError(e: unknown, outdir: string): unknown {
  const reasons: Record<string, string> = {
    EROFS: 'its file system is read-only; mount it read-write, or write the tree elsewhere with CDK8S_OUTDIR',
    ENOSPC: `no space is left on its device; free some (df -h ${outdir}) and synthesize again`,
    EDQUOT: 'your disk quota is used up; free some and synthesize again',
    EACCES: `permission denied; check the owner and mode of ${outdir} and its folders`,
    EPERM: `permission denied; check the owner and mode of ${outdir} and its folders`,
  };
  const reason = reasons[(e as NodeJS.ErrnoException).code ?? ''];
  return reason === undefined ? e : new Error(`cannot write ${outdir}: ${reason}; nothing was changed`, { cause: e });
}

/**
 * The directory `files` may be written to, resolved: a new one, a previous tree (it holds
 * TREE_MARKER), or one that holds nothing but files of `files` and a writer's temporary files (a
 * first write that was killed). Anything else is refused before a file is touched, because writing
 * a tree deletes every file in its directory that is not part of it.
 */
export function writableTreeDirectory(outdir: string, files: RenderedTree): string {
  if (outdir.trim() === '') throw new Error('the output directory is empty (an empty CDK8S_OUTDIR?); unset CDK8S_OUTDIR for dist/flux2, or name a directory');
  const target = path.resolve(outdir);
  try {
    if (!fs.statSync(target).isDirectory()) throw new Error(`${outdir} is a file, not a directory; name a directory for the tree`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return target;
    throw e;
  }
  if (fs.existsSync(path.join(target, TREE_MARKER))) return target;
  const foreign = foreignFiles(target, files, 4);
  if (foreign.length > 0) {
    const named = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ' and more' : '');
    throw new Error(`${outdir} is not a synthesized tree (it has no ${TREE_MARKER}) and holds other files (${named}), which writing the tree would delete; nothing was written: name a new or empty directory, or a previous tree`);
  }
  return target;
}

function readIfFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether a leftover's process is gone (or is this one, which has not written anything yet). */
function abandoned(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function removeLeftovers(target: string): void {
  const parent = path.dirname(target);
  for (const entry of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    const match = OLD_SCHEME_LEFTOVER.exec(entry);
    if (match && match[1] === path.basename(target) && abandoned(Number(match[3]))) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  if (!fs.existsSync(target)) return;
  for (const file of listFiles(target)) {
    const match = TEMPORARY.exec(path.basename(file));
    if (match && abandoned(Number(match[1]))) fs.rmSync(path.join(target, file), { force: true });
  }
}

/** Every file under `dir`, relative, with `/` separators. */
/** Up to `limit` files under `dir` that are neither in `files` nor a writer's temporary file (stops early: `dir` may be a whole checkout). */
function foreignFiles(dir: string, files: RenderedTree, limit: number, relative = '', found: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
    if (found.length >= limit) break;
    const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) foreignFiles(dir, files, limit, file, found);
    else if (!files.has(file) && !TEMPORARY.test(entry.name)) found.push(file);
  }
  return found;
}

function listFiles(dir: string, relative = ''): string[] {
  return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
    return entry.isDirectory() ? listFiles(dir, file) : [file];
  });
}

/** Removes the empty directories under `dir` (not `dir` itself), deepest first. */
function removeEmptyDirectories(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sub = path.join(dir, entry.name);
    removeEmptyDirectories(sub);
    if (fs.readdirSync(sub).length === 0) fs.rmdirSync(sub);
  }
}

/** `<kind>-<name>.yaml`, lower case. */
export function fileName(manifest: any): string {
  return `${String(manifest.kind).toLowerCase()}-${manifest.metadata.name}.yaml`;
}

/** `Kind namespace/name` for messages. */
export function describe(manifest: any): string {
  const ns = manifest.metadata?.namespace;
  return `${manifest.kind} ${ns ? `${ns}/` : ''}${manifest.metadata?.name}`;
}

/** How `toYaml` keeps a substituted string a string. */
export enum SubstitutedStrings {
  /** As it is: for YAML that is not substituted any more (rendered output, tools' own files). */
  AS_IS = 'as-is',
  /**
   * Wrapped as `${quote}...${quote}` (see QUOTE_VARIABLE): for the tree's own files, whose YAML
   * kustomize rewrites, dropping quotes, before Flux substitutes.
   */
  FLUX_QUOTE = 'flux-quote',
  /** Double-quoted: for YAML inside a string (a values.yaml), which kustomize leaves as it is. */
  YAML_QUOTE = 'yaml-quote',
}

const QUOTE_REFERENCE = `\${${QUOTE_VARIABLE}}`;

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false } as const;

/** This file's code and the yaml release decide how values are double-quoted (yaml-cache's salt, and this file). */
const DOUBLE_QUOTE_SALT = `${JSON.parse(fs.readFileSync(require.resolve('yaml/package.json'), 'utf8')).version}\0${sourceOf(__filename)}`;

/**
 * YAML as the tree stores it: no folding, literal blocks for multi-line strings, no aliases. With
 * FLUX_QUOTE or YAML_QUOTE, a one-line string that Flux substitutes into stays a string whatever
 * the value (`12345678`, `true`, `a: b #c`): see SubstitutedStrings. The validator refuses `"`,
 * `\\` and line breaks in values, the only characters that could break out of the quotes. A lone
 * reference to a boolean or integer variable stays plain, to keep its type. Cached by content
 * (constructs/yaml-cache.ts).
 */
export function toYaml(value: unknown, strings: SubstitutedStrings = SubstitutedStrings.AS_IS): string {
  switch (strings) {
    case SubstitutedStrings.AS_IS: return stringify(value, YAML_OPTIONS);
    case SubstitutedStrings.FLUX_QUOTE: return stringify(mapStrings(value, (s) => (isSubstituted(s) ? fluxQuoted(s) : s)), YAML_OPTIONS);
    case SubstitutedStrings.YAML_QUOTE: {
      const write = (): string => {
        const doc = new Document(value, { aliasDuplicateObjects: false });
        visit(doc, {
          Scalar(_key, node) {
            if (isScalar(node) && typeof node.value === 'string' && isSubstituted(node.value)) node.type = 'QUOTE_DOUBLE';
          },
        });
        return doc.toString(YAML_OPTIONS);
      };
      return isJson(value) ? cachedByContent('yaml', DOUBLE_QUOTE_SALT, `double-quoted\0${JSON.stringify(value)}`, write, TEXT) : write();
    }
  }
}

/** `value` with every string, keys excepted, replaced by `map(string)`. */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)]));
  return value;
}

/** `${quote}<text>${quote}`, once. */
export function fluxQuoted(text: string): string {
  return text.includes(QUOTE_REFERENCE) ? text : `${QUOTE_REFERENCE}${text}${QUOTE_REFERENCE}`;
}

function isSubstituted(text: string): boolean {
  return !text.includes('\n') && [...text.matchAll(REFERENCE)].some((m) => m[1] !== '$') && !isTypedReference(text);
}

/**
 * Whether kustomize keeps a flux-quoted string plain, so Flux's `"` lands as YAML quotes: a
 * string YAML must quote (`a: b`, ` #`) would carry them as characters instead.
 */
function plainAfterQuoting(text: string): boolean {
  const quoted = fluxQuoted(text);
  return new Document(quoted).toString({ lineWidth: 0 }) === `${quoted}\n`;
}

/** apiVersion, kind, metadata (name, namespace, labels, annotations) first; the rest as built. */
function normalize(manifest: any): any {
  const { apiVersion, kind, metadata, ...rest } = manifest;
  const { name, namespace, labels, annotations, ...otherMetadata } = metadata ?? {};
  const cleanLabels = labels && Object.keys(labels).length > 0 ? labels : undefined;
  const cleanAnnotations = annotations && Object.keys(annotations).length > 0 ? annotations : undefined;
  return JSON.parse(JSON.stringify({
    apiVersion,
    kind,
    metadata: { name, namespace, labels: cleanLabels, annotations: cleanAnnotations, ...otherMetadata },
    ...rest,
  }));
}

type Applier = Pick<FluxKustomization, 'name' | 'substitute' | 'secrets'>;

/** Errors for `${...}` references the applier cannot substitute; records the variables used in `used`. */
function checkReferences(manifest: any, where: string, applier: Applier, allowed: Set<string>, used: Set<string>): string[] {
  const errors: string[] = [];
  visitStrings(manifest, '', (value, field) => {
    if (applier.substitute && isSubstituted(value) && !plainAfterQuoting(value)) {
      errors.push(`${where}: ${field} mixes a substitution with text YAML must quote, so its value could not stay a string; move it into a values file or drop the characters YAML reads as syntax (': ', ' #')`);
    }
    for (const match of value.matchAll(REFERENCE)) {
      if (match[1] === '$') continue;
      const variable = VARIABLE.exec(match[2]);
      if (!applier.substitute) {
        errors.push(`${where}: ${field} holds \${${match[2]}} but ${applier.name} does not substitute; remove it or enable substitution`);
      } else if (!variable || !allowed.has(variable[1])) {
        errors.push(`${where}: ${field} references \${${match[2]}}, which is neither a cluster variable nor a key of ${applier.secrets.map((s) => s.name).join(', ') || 'a generated secret of this component'}; declare it, or escape a literal with escapeSubstitution()`);
      } else {
        used.add(variable[1]);
      }
    }
  });
  return errors;
}

function visitStrings(value: unknown, field: string, visit: (value: string, field: string) => void): void {
  if (typeof value === 'string') visit(value, field || '.');
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, `${field}[${i}]`, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) visitStrings(v, field ? `${field}.${k}` : k, visit);
  }
}
