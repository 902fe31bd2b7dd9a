import * as path from 'path';
import { CLUSTER_VARIABLES_SECRET } from '../../constructs/cluster-variables';
import { describe, SUBSTITUTE_ANNOTATION, toYaml } from '../../constructs/tree-writer';
import { parseDocuments } from '../../constructs/yaml-cache';
import { BuiltDirectories, kustomizeText } from '../validation/kustomize';
import { LoadedTree, treeDirectory } from '../validation/load';
import { ClusterInput, GENERATED_PLACEHOLDER } from './cluster-input';
import { declaredExample, SecretDeclaration, secretDeclarations } from './declarations';
import { envsubst } from './envsubst';
import { Applied, BOOTSTRAP, isKustomization, isNamespaced, PlanProblem } from './model';

/** A key a Kustomization substitutes that only the in-cluster generator creates (the cluster lacked it). */
export interface GeneratedUse {
  /** Id of the substituting Kustomization. */
  readonly kustomization: string;
  readonly secret: string;
  readonly key: string;
  /** Id of the ConfigMap that declares the key. */
  readonly declaration: string;
}

/** What the simulated Flux ends up applying, in discovery order, and what went wrong on the way. */
export interface Expansion {
  readonly objects: ReadonlyMap<string, Applied>;
  readonly problems: readonly PlanProblem[];
  /** Keys substituted before they existed, which the generator must create first. */
  readonly generated: readonly GeneratedUse[];
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
 * adopted by the tree without changing owner. A generated secret has the keys the cluster
 * already had (`input.generatedSecrets`) and those the tree declares (which the in-cluster
 * generator creates; `generated` lists where they are used, for the ordering check).
 */
export function expand(tree: LoadedTree, builds: Builds, input: ClusterInput, bootstrap: readonly any[]): Expansion {
  const objects = new Map<string, Applied>();
  const problems: PlanProblem[] = [];
  const generated: GeneratedUse[] = [];
  const declarations = secretDeclarations(tree.objects.map((o) => o.manifest));
  const queue: Applied[] = [];
  const apply = (manifest: any, applier: string): void => {
    const id = describe(manifest);
    const owner = objects.get(id);
    if (owner) {
      if (owner.applier !== applier && owner.applier !== BOOTSTRAP && owner.id !== applier) {
        problems.push({ object: id, message: `applied by both ${owner.applier} and ${applier}; their prune would fight over it, keep one` });
      }
      // The Kustomization applies its own rendering of a bootstrap object from then on.
      if (owner.applier === BOOTSTRAP && applier !== BOOTSTRAP) objects.set(id, { ...owner, manifest });
      return;
    }
    const applied = { id, manifest, applier };
    objects.set(id, applied);
    if (isKustomization(manifest)) queue.push(applied);
  };
  bootstrap.forEach((manifest) => apply(manifest, BOOTSTRAP));
  while (queue.length > 0) {
    const kustomization = queue.shift()!;
    for (const built of build(kustomization, tree, builds, problems)) {
      const substituted = substitute(built, kustomization, { objects, input, declarations, problems, generated });
      apply(namespaced(substituted, kustomization), kustomization.id);
    }
  }
  const unique = new Map(generated.map((g) => [`${g.kustomization} ${g.secret} ${g.key}`, g]));
  return { objects, problems, generated: [...unique.values()] };
}

/** What substitution reads and where it reports. */
interface SubstitutionContext {
  readonly objects: ReadonlyMap<string, Applied>;
  readonly input: ClusterInput;
  readonly declarations: ReadonlyMap<string, SecretDeclaration>;
  readonly problems: PlanProblem[];
  readonly generated: GeneratedUse[];
}

/** One object of a build: parsed, and as the text kustomize wrote it, which Flux substitutes into. */
interface BuiltObject {
  readonly manifest: any;
  /** kustomize's own text of the object; kustomize re-writes YAML (dropping quotes it does not need). */
  readonly text?: string;
}

/** The objects a Kustomization's path builds to. */
function build(k: Applied, tree: LoadedTree, builds: Builds, problems: PlanProblem[]): BuiltObject[] {
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
  return (builds.built.get(dir) ?? generatedBuild(tree, builds, dir)).map((manifest) => ({ manifest, text: kustomizeText(manifest) }));
}

/** The namespace kustomize-controller gives a namespaced object: the target namespace, else its own, else `default`. */
function namespaced(m: any, k: Applied): any {
  const targetNamespace: string | undefined = k.manifest.spec?.targetNamespace;
  if (!isNamespaced(m) || (m.metadata?.namespace && !targetNamespace)) return m;
  return { ...m, metadata: { ...m.metadata, namespace: targetNamespace ?? 'default' } };
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

/** Flux post-build substitution of one object: kustomize's YAML text of it, as kustomize-controller does it. */
function substitute(built: BuiltObject, k: Applied, context: SubstitutionContext): any {
  const { manifest } = built;
  const { problems } = context;
  const postBuild = k.manifest.spec?.postBuild;
  const disabled = (m: any): boolean => m.metadata?.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled' || m.metadata?.labels?.[SUBSTITUTE_ANNOTATION] === 'disabled';
  if (!postBuild || disabled(manifest)) return manifest;
  const { variables, fromGenerator } = variablesOf(k, context);
  const id = describe(manifest);
  const result = envsubst(built.text ?? toYaml(manifest), variables);
  for (const key of result.used) {
    const source = fromGenerator.get(key);
    if (source) context.generated.push({ kustomization: k.id, secret: source.secret, key, declaration: source.id });
  }
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

/**
 * `substituteFrom` in order (later wins), then the inline `substitute`, which wins over all; and
 * which of the variables only the generator creates (the keys a generated secret lacked).
 */
function variablesOf(k: Applied, context: SubstitutionContext): { variables: Map<string, string>; fromGenerator: Map<string, SecretDeclaration> } {
  const postBuild = k.manifest.spec.postBuild;
  const variables = new Map<string, string>();
  const fromGenerator = new Map<string, SecretDeclaration>();
  for (const ref of postBuild.substituteFrom ?? []) {
    const generated = generatedData(ref, context);
    const data = generated?.data ?? referencedData(ref, k.manifest.metadata?.namespace, context);
    if (data === undefined) {
      if (!ref.optional) context.problems.push({ object: k.id, message: `substitutes from ${ref.kind} ${ref.name}, which does not exist in this cluster; create it or mark it optional` });
      continue;
    }
    for (const [key, value] of data) {
      variables.set(key, value);
      if (generated?.declaration && generated.fromGenerator.has(key)) fromGenerator.set(key, generated.declaration);
      else fromGenerator.delete(key);
    }
  }
  for (const [key, value] of Object.entries(postBuild.substitute ?? {})) {
    variables.set(key, String(value));
    fromGenerator.delete(key);
  }
  return { variables, fromGenerator };
}

/** A generated secret's keys: those the cluster has, plus those the tree declares (the generator adds them). */
function generatedData(ref: any, context: SubstitutionContext): { data: Map<string, string>; declaration?: SecretDeclaration; fromGenerator: Set<string> } | undefined {
  if (ref.kind !== 'Secret') return undefined;
  const present = context.input.generatedSecrets.get(ref.name);
  const declaration = context.declarations.get(ref.name);
  if (present === undefined && declaration === undefined) return undefined;
  const data = new Map((present ?? []).map((key) => [key, GENERATED_PLACEHOLDER]));
  const fromGenerator = new Set<string>();
  for (const [key, generator] of declaration?.keys ?? []) {
    if (data.has(key)) continue;
    data.set(key, declaredExample(generator, GENERATED_PLACEHOLDER));
    fromGenerator.add(key);
  }
  return { data, declaration, fromGenerator };
}

function referencedData(ref: any, namespace: string, context: SubstitutionContext): Map<string, string> | undefined {
  const { objects, input } = context;
  if (ref.kind === 'Secret' && ref.name === CLUSTER_VARIABLES_SECRET) return new Map(input.variables);
  const object = objects.get(describe({ kind: ref.kind, metadata: { name: ref.name, namespace } }))?.manifest;
  if (!object) return undefined;
  const decoded = Object.entries(object.data ?? {}).map(([key, value]): [string, string] => [key, ref.kind === 'Secret' ? Buffer.from(String(value), 'base64').toString('utf8') : String(value)]);
  return new Map([...decoded, ...Object.entries(object.stringData ?? {}).map(([key, value]): [string, string] => [key, String(value)])]);
}
