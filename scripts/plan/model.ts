import { CLUSTER_SCOPED_KINDS, describe } from '../../constructs/tree-writer';

/** Who applied an object that no Kustomization applies: bootstrap.sh and install-app.sh. */
export const BOOTSTRAP = 'bootstrap';

/** Namespaces every cluster has before the first wave (Kubernetes' own, and Flux's from bootstrap). */
export const PREEXISTING_NAMESPACES: ReadonlySet<string> = new Set(['default', 'flux-system', 'kube-node-lease', 'kube-public', 'kube-system']);

/** One object the cluster ends up with, after build and substitution. */
export interface Applied {
  /** `Kind namespace/name`. */
  readonly id: string;
  readonly manifest: any;
  /** Id of the Kustomization that applies it, or BOOTSTRAP. */
  readonly applier: string;
}

/** Something that would go wrong on the cluster, naming the object it belongs to. */
export interface PlanProblem {
  readonly object: string;
  readonly message: string;
}

export function formatPlanProblem(p: PlanProblem): string {
  return `${p.object}: ${p.message}`;
}

export function sortPlanProblems(problems: readonly PlanProblem[]): PlanProblem[] {
  const unique = new Map(problems.map((p) => [formatPlanProblem(p), p]));
  return [...unique.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
}

/** `Kind namespace/name` of a reference, its namespace defaulting to the referrer's as Flux does. */
export function refId(kind: string, ref: { name?: string; namespace?: string }, defaultNamespace: string): string {
  return describe({ kind, metadata: { name: ref.name, namespace: ref.namespace ?? defaultNamespace } });
}

export const isKustomization = (m: any): boolean => m?.kind === 'Kustomization' && String(m.apiVersion).startsWith('kustomize.toolkit.fluxcd.io/');
export const isHelmRelease = (m: any): boolean => m?.kind === 'HelmRelease' && String(m.apiVersion).startsWith('helm.toolkit.fluxcd.io/');

/** Whether a kind is namespaced; the tree writer's list of cluster-scoped kinds is the reference. */
export function isNamespaced(manifest: any): boolean {
  return !CLUSTER_SCOPED_KINDS.has(String(manifest?.kind));
}

/** `name` for a Kustomization, `HelmRelease name` otherwise: compact, and a chart named like its app stays apart. */
export function shortName(id: string): string {
  const name = id.slice(id.lastIndexOf('/') + 1);
  return id.startsWith('Kustomization ') ? name : `${id.slice(0, id.indexOf(' '))} ${name}`;
}
