import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { CLUSTER_VARIABLE_NAMES } from './cluster-variables';
import { FluxKustomization } from './flux-kustomization';
import { TreeChart } from './tree-chart';
import { stringify } from './yaml-cache';

/** Kinds without a namespace: the writer drops any namespace cdk8s stamped on them. */
export const CLUSTER_SCOPED_KINDS = new Set([
  'APIService', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'IngressClass', 'MutatingWebhookConfiguration', 'Namespace', 'PersistentVolume', 'PriorityClass',
  'StorageClass', 'ValidatingWebhookConfiguration',
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
 * Renders every TreeChart of an app into files, in memory, checking names, namespaces and
 * substitution references. Throws (naming file, object and field) before anything is written.
 */
export function renderTree(app: App): RenderedTree {
  const charts = app.node.findAll().filter((c): c is TreeChart => c instanceof TreeChart);
  const kustomizations = FluxKustomization.all(app);
  const files: RenderedTree = new Map();
  const errors: string[] = [];
  const directories = new Set<string>();

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
    const allowed = new Set<string>(applier.substitute ? [...CLUSTER_VARIABLE_NAMES, ...applier.secrets.flatMap((s) => Object.keys(s.keys))] : []);
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
      const file = fileName(manifest);
      if (names.includes(file)) errors.push(`${where}: another object in ${chart.directory} also writes ${file}; give them different names`);
      names.push(file);
      files.set(`${chart.directory}/${file}`, toYaml(manifest));
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

/**
 * Replaces `outdir` with the rendered tree in one rename: readers see the old tree or the new one,
 * never a half-written or emptied one, and files of removed objects disappear.
 */
export function writeTree(files: RenderedTree, outdir: string): void {
  const target = path.resolve(outdir);
  const staging = `${target}.tmp-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  for (const [file, content] of files) {
    const full = path.join(staging, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  if (files.size === 0) fs.mkdirSync(staging, { recursive: true });
  const existed = fs.existsSync(target);
  if (existed) fs.renameSync(target, old);
  fs.renameSync(staging, target);
  if (existed) fs.rmSync(old, { recursive: true, force: true });
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

/** YAML as the tree stores it: no folding, literal blocks for multi-line strings, no aliases. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
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
