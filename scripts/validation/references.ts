import { CLUSTER_VARIABLES_SECRET } from '../../constructs/cluster-variables';
import { ValidationContext } from './context';
import { groupOf, LoadedTree, objectsOf, treeDirectory, TreeObject } from './load';
import { Problem } from './problem';

const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
const HELM_GROUP = 'helm.toolkit.fluxcd.io';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io';

interface Ref {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** Every cross-object reference resolves inside the tree, and no dependsOn chain is a cycle. */
export function checkReferences(tree: LoadedTree, context: ValidationContext): Problem[] {
  const index = new Map(tree.objects.map((o) => [key(o.manifest.kind, o.manifest.metadata?.namespace, o.manifest.metadata?.name), o]));
  const problems: Problem[] = [];
  const at = (o: TreeObject, field: string, message: string): void => {
    problems.push({ file: o.file, object: o.id, field, message });
  };
  const expect = (o: TreeObject, field: string, ref: Ref, fix: string, group?: string): void => {
    const found = index.get(key(ref.kind, ref.namespace, ref.name));
    if (!found || (group !== undefined && groupOf(found.manifest.apiVersion) !== group)) {
      at(o, field, `${ref.kind} ${ref.namespace}/${ref.name} is not in the tree; ${fix}`);
    }
  };

  const kustomizations = objectsOf(tree, KUSTOMIZE_GROUP, 'Kustomization');
  for (const k of kustomizations) {
    const ns = namespaceOf(k);
    const spec = k.manifest.spec ?? {};
    if (spec.sourceRef) {
      expect(k, 'spec.sourceRef', refOf(spec.sourceRef, ns), 'add the source to the tree or fix sourceRef', SOURCE_GROUP);
    }
    (spec.dependsOn ?? []).forEach((d: any, i: number) => {
      expect(k, `spec.dependsOn[${i}]`, refOf({ ...d, kind: 'Kustomization' }, ns), 'depend on a Kustomization the tree declares', KUSTOMIZE_GROUP);
    });
    if (typeof spec.path === 'string') {
      const dir = treeDirectory(spec.path);
      if (dir === undefined || !tree.directories.has(dir)) {
        at(k, 'spec.path', `${spec.path} is not a directory of the tree; point it at ./dist/flux2/<directory>`);
      }
    }
    (spec.postBuild?.substituteFrom ?? []).forEach((s: any, i: number) => {
      if (s.kind !== 'Secret' || !context.substitutionSecrets.has(s.name)) {
        at(k, `spec.postBuild.substituteFrom[${i}]`, `${s.kind} ${s.name} is neither ${CLUSTER_VARIABLES_SECRET} nor a generated secret the constructs declare; declare it with component.generatedSecret()`);
      }
    });
  }

  const releases = objectsOf(tree, HELM_GROUP, 'HelmRelease');
  for (const r of releases) {
    const ns = namespaceOf(r);
    const spec = r.manifest.spec ?? {};
    if (spec.chart?.spec?.sourceRef) {
      expect(r, 'spec.chart.spec.sourceRef', refOf(spec.chart.spec.sourceRef, ns), 'add the repository to the sources or fix sourceRef', SOURCE_GROUP);
    }
    if (spec.chartRef) expect(r, 'spec.chartRef', refOf(spec.chartRef, ns), 'add the source to the tree or fix chartRef', SOURCE_GROUP);
    (spec.dependsOn ?? []).forEach((d: any, i: number) => {
      expect(r, `spec.dependsOn[${i}]`, refOf({ ...d, kind: 'HelmRelease' }, ns), 'depend on a HelmRelease the tree declares', HELM_GROUP);
    });
    (spec.valuesFrom ?? []).forEach((v: any, i: number) => {
      if (v.optional === true) return;
      expect(r, `spec.valuesFrom[${i}]`, { kind: v.kind, name: v.name, namespace: ns }, `create it in ${ns} or mark the reference optional`);
    });
  }

  problems.push(...cycles(kustomizations), ...cycles(releases));
  return problems;
}

/** One problem per dependsOn cycle, naming its members in order, reported on its first member by name. */
function cycles(objects: readonly TreeObject[]): Problem[] {
  const byKey = new Map(objects.map((o) => [`${namespaceOf(o)}/${o.manifest.metadata?.name}`, o]));
  const edges = (o: TreeObject): string[] => (o.manifest.spec?.dependsOn ?? [])
    .map((d: any) => `${d.namespace ?? namespaceOf(o)}/${d.name}`)
    .filter((k: string) => byKey.has(k));
  const found = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (k: string): void => {
    if (state.get(k) === 'done') return;
    if (state.get(k) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(k));
      const start = cycle.indexOf([...cycle].sort()[0]);
      const ordered = [...cycle.slice(start), ...cycle.slice(0, start)];
      found.set(ordered.join(' '), ordered);
      return;
    }
    state.set(k, 'visiting');
    stack.push(k);
    for (const next of edges(byKey.get(k)!)) visit(next);
    stack.pop();
    state.set(k, 'done');
  };
  [...byKey.keys()].sort().forEach(visit);
  return [...found.values()].map((cycle) => {
    const first = byKey.get(cycle[0])!;
    const names = [...cycle, cycle[0]].map((k) => byKey.get(k)!.manifest.metadata.name);
    return {
      file: first.file,
      object: first.id,
      field: 'spec.dependsOn',
      message: `dependsOn cycle: ${names.join(' -> ')}; remove one of these dependsOn`,
    };
  });
}

function refOf(ref: any, defaultNamespace: string): Ref {
  return { kind: String(ref.kind), name: String(ref.name), namespace: String(ref.namespace ?? defaultNamespace) };
}

function namespaceOf(o: TreeObject): string {
  return o.manifest.metadata?.namespace ?? '';
}

function key(kind: unknown, namespace: unknown, name: unknown): string {
  return `${String(kind)} ${namespace ?? ''}/${String(name)}`;
}
