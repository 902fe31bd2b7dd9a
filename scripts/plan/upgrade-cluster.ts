import { CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, CLUSTER_VARIABLES_SECRET, Requirement } from '../../constructs/cluster-variables';
import { SUBSTITUTE_ANNOTATION, toYaml } from '../../constructs/tree-writer';
import { optionalApps } from '../flux-env';
import { objectsOf, treeDirectory } from '../validation/load';
import { ClusterInput } from './cluster-input';
import { secretDeclarations } from './declarations';
import { PreparedTree } from './simulate';

/** `${name}` or `${name:=default}`, with the `$` that escapes it captured. */
const REFERENCE = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[=-][^}]*)?\}/g;

/** The cluster variables a revision documents in its `.flux.env.example`. */
export interface DocumentedVariables {
  /** Every variable the file names, commented out or not, with its example value. */
  readonly known: ReadonlyMap<string, string>;
  /** The variables the file sets (the required ones): what every cluster has. */
  readonly required: ReadonlySet<string>;
}

/** Reads a `.flux.env.example`: `name=value` lines are required, `#name=value` lines optional. */
export function documentedVariables(text: string): DocumentedVariables {
  const known = new Map<string, string>();
  const required = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^(#?)([a-z][a-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    known.set(match[2], match[3]);
    if (match[1] === '') required.add(match[2]);
  }
  return { known, required };
}

/** The same, from the constructs of the working tree: for a revision without `.flux.env.example`. */
export function currentVariables(): DocumentedVariables {
  return {
    known: new Map(CLUSTER_VARIABLE_NAMES.map((name) => [name, CLUSTER_VARIABLES[name].example])),
    required: new Set(CLUSTER_VARIABLE_NAMES.filter((name) => CLUSTER_VARIABLES[name].requirement === Requirement.REQUIRED)),
  };
}

/** Variables each substituting Kustomization of a tree references without a default, by Kustomization id. */
export function variablesWithoutDefault(prepared: PreparedTree): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const k of objectsOf(prepared.tree, 'kustomize.toolkit.fluxcd.io', 'Kustomization')) {
    const dir = treeDirectory(String(k.manifest.spec?.path ?? ''));
    const output = dir === undefined ? undefined : prepared.builds.built.get(dir);
    if (!k.manifest.spec?.postBuild || output === undefined) continue;
    const names = new Set<string>();
    for (const manifest of output) {
      if (!manifest || manifest.metadata?.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled') continue;
      for (const match of toYaml(manifest).matchAll(REFERENCE)) if (match[1] === '' && match[3] === undefined) names.add(match[2]);
    }
    found.set(k.id, names);
  }
  return found;
}

/** A cluster a revision leaves behind, and how its generated keys are known. */
export interface BootstrappedCluster {
  readonly input: ClusterInput;
  /** The revision's documented cluster variables. */
  readonly variables: DocumentedVariables;
  /** 'declared': the revision's tree declares its secrets; 'inferred': it predates declarations, so the keys are those its tree substitutes. */
  readonly keysFrom: 'declared' | 'inferred';
}

export interface BootstrappedClusterOptions {
  readonly variables: DocumentedVariables;
  /** The operator's variables, instead of every documented one. @default every variable the revision documents, set */
  readonly env?: ReadonlyMap<string, string>;
  /** Apps install-app.sh enabled. @default every optional app of the revision */
  readonly apps?: readonly string[];
  readonly description: string;
}

/**
 * The cluster that bootstrap (and install-app.sh) made at a revision: every variable it documents
 * set (unless the operator's own are given), the generated keys its tree declares, or, for a tree
 * from before declarations, the keys it substitutes (bootstrap generated at least those), and
 * every app it offers enabled.
 */
export function bootstrappedCluster(prepared: PreparedTree, options: BootstrappedClusterOptions): BootstrappedCluster {
  const declarations = secretDeclarations(prepared.tree.objects.map((o) => o.manifest));
  const generatedSecrets = new Map<string, readonly string[]>();
  let keysFrom: BootstrappedCluster['keysFrom'] = 'declared';
  if (declarations.size > 0) {
    for (const d of declarations.values()) generatedSecrets.set(d.secret, [...d.keys.keys()].sort());
  } else {
    keysFrom = 'inferred';
    const references = variablesWithoutDefault(prepared);
    for (const k of objectsOf(prepared.tree, 'kustomize.toolkit.fluxcd.io', 'Kustomization')) {
      const inline = k.manifest.spec?.postBuild?.substitute ?? {};
      const keys = [...references.get(k.id) ?? []].filter((name) => !options.variables.known.has(name) && !(name in inline));
      for (const ref of k.manifest.spec?.postBuild?.substituteFrom ?? []) {
        if (ref.kind !== 'Secret' || ref.name === CLUSTER_VARIABLES_SECRET) continue;
        generatedSecrets.set(ref.name, [...new Set([...generatedSecrets.get(ref.name) ?? [], ...keys])].sort());
      }
    }
  }
  return {
    input: {
      variables: new Map(options.env ?? options.variables.known),
      generatedSecrets,
      apps: [...options.apps ?? optionalApps(prepared.tree.root)].sort(),
      description: options.description,
    },
    // With the operator's own variables, the plan itself finds what they lack.
    variables: options.env ? { known: options.env, required: new Set(options.env.keys()) } : options.variables,
    keysFrom,
  };
}
