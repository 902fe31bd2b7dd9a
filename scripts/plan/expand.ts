import * as path from 'path';
import { CLUSTER_VARIABLES_SECRET } from '../../constructs/cluster-variables';
import { describe, SUBSTITUTE_ANNOTATION, toYaml } from '../../constructs/tree-writer';
import { parseDocuments } from '../../constructs/yaml-cache';
import { BuiltDirectories } from '../validation/kustomize';
import { LoadedTree, treeDirectory } from '../validation/load';
import { ClusterInput, GENERATED_PLACEHOLDER } from './cluster-input';
import { envsubst } from './envsubst';
import { Applied, BOOTSTRAP, isKustomization, isNamespaced, PlanProblem } from './model';

/** What the simulated Flux ends up applying, in discovery order, and what went wrong on the way. */
export interface Expansion {
  readonly objects: ReadonlyMap<string, Applied>;
  readonly problems: readonly PlanProblem[];
}

/** A kustomize build of every tree directory that has a kustomization.yaml, and why others failed. */
export interface Builds {
  readonly built: BuiltDirectories;
  /** Build errors by directory. */
  readonly errors: ReadonlyMap<string, string>;
}

/**
 * Applies `bootstrap` and then, Kustomization by Kustomization, what each one's path builds to,
 * as kustomize-controller does: build the directory, default the namespace, substitute
 * variables (strict), apply. An object is owned by the first applier; bootstrap's objects are
 * adopted by the tree without changing owner.
 */
export function expand(tree: LoadedTree, builds: Builds, input: ClusterInput, bootstrap: readonly any[]): Expansion {
  const objects = new Map<string, Applied>();
  const problems: PlanProblem[] = [];
  const queue: Applied[] = [];
  const apply = (manifest: any, applier: string): void => {
    const id = describe(manifest);
    const owner = objects.get(id);
    if (owner) {
      if (owner.applier !== applier && owner.applier !== BOOTSTRAP && owner.id !== applier) {
        problems.push({ object: id, message: `applied by both ${owner.applier} and ${applier}; their prune would fight over it, keep one` });
      }
      return;
    }
    const applied = { id, manifest, applier };
    objects.set(id, applied);
    if (isKustomization(manifest)) queue.push(applied);
  };
  bootstrap.forEach((manifest) => apply(manifest, BOOTSTRAP));
  while (queue.length > 0) {
    const kustomization = queue.shift()!;
    for (const manifest of build(kustomization, tree, builds, problems)) {
      const substituted = substitute(manifest, kustomization, objects, input, problems);
      apply(substituted, kustomization.id);
    }
  }
  return { objects, problems };
}

/** The objects a Kustomization's path builds to, namespaced as kustomize-controller applies them. */
function build(k: Applied, tree: LoadedTree, builds: Builds, problems: PlanProblem[]): any[] {
  const fluxPath = String(k.manifest.spec?.path ?? '');
  const dir = treeDirectory(fluxPath);
  if (dir === undefined || !tree.directories.has(dir)) {
    problems.push({ object: k.id, message: `spec.path ${fluxPath} does not exist in the tree; fix the path or synthesize the directory` });
    return [];
  }
  const error = builds.errors.get(dir);
  if (error !== undefined) {
    problems.push({ object: k.id, message: `kustomize build of ${dir} fails: ${error}` });
    return [];
  }
  const manifests = builds.built.get(dir) ?? generatedBuild(tree, builds, dir);
  const targetNamespace: string | undefined = k.manifest.spec?.targetNamespace;
  return manifests.map((m) => {
    if (!isNamespaced(m) || (m.metadata?.namespace && !targetNamespace)) return m;
    return { ...m, metadata: { ...m.metadata, namespace: targetNamespace ?? 'default' } };
  });
}

/**
 * A directory without kustomization.yaml: kustomize-controller generates one with every manifest
 * below it, a subdirectory with its own kustomization.yaml counting as one kustomization.
 */
function generatedBuild(tree: LoadedTree, builds: Builds, dir: string): any[] {
  const under = (d: string): boolean => dir === '.' || d === dir || d.startsWith(`${dir}/`);
  const nested = [...builds.built.keys()].filter((d) => under(d) && d !== dir)
    .filter((d, _, all) => !all.some((other) => other !== d && d.startsWith(`${other}/`)));
  const inNested = (file: string): boolean => nested.some((d) => file.startsWith(`${d}/`));
  return [
    ...tree.objects.filter((o) => under(path.posix.dirname(o.file)) && !inNested(o.file)).map((o) => o.manifest),
    ...nested.flatMap((d) => builds.built.get(d)!),
  ];
}

/** Flux post-build substitution of one object: the serialized YAML, as kustomize-controller does it. */
function substitute(manifest: any, k: Applied, objects: ReadonlyMap<string, Applied>, input: ClusterInput, problems: PlanProblem[]): any {
  const postBuild = k.manifest.spec?.postBuild;
  const disabled = (m: any): boolean => m.metadata?.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled' || m.metadata?.labels?.[SUBSTITUTE_ANNOTATION] === 'disabled';
  if (!postBuild || disabled(manifest)) return manifest;
  const variables = variablesOf(k, objects, input, problems);
  const id = describe(manifest);
  const result = envsubst(toYaml(manifest), variables);
  for (const name of new Set(result.missing)) {
    problems.push({ object: id, message: `\${${name}} is unresolved: no default, and not a key of what ${k.id} substitutes from (${sourcesOf(postBuild)}); set it in the cluster variables, declare it in a substituted secret, or escape a literal as $\${${name}}` });
  }
  for (const expression of new Set(result.malformed)) {
    problems.push({ object: id, message: `\${${expression}} is not a variable reference Flux understands; use \${name} or \${name:=default}, or escape it as $\${...}` });
  }
  const [doc] = parseDocuments(result.text);
  if (doc === undefined || doc.error !== undefined) {
    problems.push({ object: id, message: `is not valid YAML after substitution by ${k.id}; a variable value breaks it` });
    return manifest;
  }
  return doc.value;
}

function sourcesOf(postBuild: any): string {
  const from = (postBuild.substituteFrom ?? []).map((s: any) => `${s.kind} ${s.name}`);
  if (postBuild.substitute) from.push('spec.postBuild.substitute');
  return from.join(', ') || 'nothing';
}

/** `substituteFrom` in order (later wins), then the inline `substitute`, which wins over all. */
function variablesOf(k: Applied, objects: ReadonlyMap<string, Applied>, input: ClusterInput, problems: PlanProblem[]): Map<string, string> {
  const postBuild = k.manifest.spec.postBuild;
  const variables = new Map<string, string>();
  for (const ref of postBuild.substituteFrom ?? []) {
    const data = referencedData(ref, k.manifest.metadata?.namespace, objects, input);
    if (data === undefined) {
      if (!ref.optional) problems.push({ object: k.id, message: `substitutes from ${ref.kind} ${ref.name}, which does not exist in this cluster; create it or mark it optional` });
      continue;
    }
    for (const [key, value] of data) variables.set(key, value);
  }
  for (const [key, value] of Object.entries(postBuild.substitute ?? {})) variables.set(key, String(value));
  return variables;
}

function referencedData(ref: any, namespace: string, objects: ReadonlyMap<string, Applied>, input: ClusterInput): Map<string, string> | undefined {
  if (ref.kind === 'Secret' && ref.name === CLUSTER_VARIABLES_SECRET) return new Map(input.variables);
  const generated = ref.kind === 'Secret' ? input.generatedSecrets.get(ref.name) : undefined;
  if (generated) return new Map(generated.map((key) => [key, GENERATED_PLACEHOLDER]));
  const object = objects.get(describe({ kind: ref.kind, metadata: { name: ref.name, namespace } }))?.manifest;
  if (!object) return undefined;
  const decoded = Object.entries(object.data ?? {}).map(([key, value]): [string, string] => [key, ref.kind === 'Secret' ? Buffer.from(String(value), 'base64').toString('utf8') : String(value)]);
  return new Map([...decoded, ...Object.entries(object.stringData ?? {}).map(([key, value]): [string, string] => [key, String(value)])]);
}
