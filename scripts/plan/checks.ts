import { groupOf } from '../validation/load';
import { BUILT_IN_GROUPS, chartsServing } from './crd-providers';
import { appliedAt, chartSourceOf, EventGraph, kustomizationSourceOf, readyOf, startOf } from './events';
import { GeneratedUse } from './expand';
import { Applied, BOOTSTRAP, isHelmRelease, isKustomization, isNamespaced, PlanProblem, PREEXISTING_NAMESPACES } from './model';

/** Whether Flux guarantees that event `before` has happened when event `after` happens. */
export type HappensBefore = (before: string, after: string) => boolean;

/**
 * Ordering checks: every object's namespace and CRD exist, and every source is applied, by the
 * time the object is applied. "By then" means guaranteed by Flux (applying, `dependsOn`, waiting),
 * not merely an earlier wave: an unrelated Kustomization may run late on a real cluster.
 */
export function checkOrdering(objects: ReadonlyMap<string, Applied>, graph: EventGraph): PlanProblem[] {
  const happensBefore = causality(graph);
  const all = [...objects.values()];
  const problems: PlanProblem[] = [];
  for (const o of all) {
    problems.push(...checkNamespace(o, objects, happensBefore));
    problems.push(...checkCustomResource(o, all, happensBefore));
    if (isHelmRelease(o.manifest)) problems.push(...checkSource(o, 'chart source', chartSourceOf(o), startOf(o.id), objects, happensBefore));
    if (isKustomization(o.manifest)) problems.push(...checkSource(o, 'source', kustomizationSourceOf(o), startOf(o.id), objects, happensBefore));
  }
  return problems;
}

/**
 * A key the cluster lacks is substituted only after the generator created it: the Kustomization
 * that applies the key's declaration (and its Job) waits for the Job, and the substituting
 * Kustomization waits for it (Flux checks dependsOn before substituting, per revision).
 */
export function checkGeneratedKeys(uses: readonly GeneratedUse[], objects: ReadonlyMap<string, Applied>, graph: EventGraph): PlanProblem[] {
  const happensBefore = causality(graph);
  const problems: PlanProblem[] = [];
  for (const use of uses) {
    const what = `substitutes \${${use.key}} of Secret ${use.secret}, which the cluster lacks`;
    const declaration = objects.get(use.declaration);
    if (!declaration || declaration.applier === BOOTSTRAP) {
      problems.push({ object: use.kustomization, message: `${what}, and nothing in this cluster applies its declaration ${use.declaration}, so no generator creates it` });
      continue;
    }
    const generator = objects.get(declaration.applier);
    if (generator?.manifest.spec?.wait !== true) {
      problems.push({ object: use.kustomization, message: `${what}; ${declaration.applier} applies its declaration but does not wait for the generator Job (wait: true), so it is ready before the key exists` });
    } else if (!happensBefore(readyOf(declaration.applier), startOf(use.kustomization))) {
      problems.push({ object: use.kustomization, message: `${what}; the generator (${declaration.applier}) creates it, but ${use.kustomization} does not wait for it: make it depend on ${declaration.applier}, or Flux fails it until the generator ran` });
    }
  }
  return problems;
}

/** Whether Flux guarantees one event before another, from the guaranteed edges of the graph. */
export function causality(graph: EventGraph): HappensBefore {
  const predecessors = new Map<string, string[]>();
  for (const edge of graph.edges.filter((e) => e.guaranteed)) {
    predecessors.set(edge.to, [...(predecessors.get(edge.to) ?? []), edge.from]);
  }
  return (before, after) => {
    const seen = new Set<string>([after]);
    const queue = [after];
    while (queue.length > 0) {
      for (const p of predecessors.get(queue.shift()!) ?? []) {
        if (p === before) return true;
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
    }
    return before === after;
  };
}

function checkNamespace(o: Applied, objects: ReadonlyMap<string, Applied>, happensBefore: HappensBefore): PlanProblem[] {
  const namespace: string | undefined = o.manifest.metadata?.namespace;
  if (!isNamespaced(o.manifest) || namespace === undefined || PREEXISTING_NAMESPACES.has(namespace)) return [];
  const creator = objects.get(`Namespace ${namespace}`);
  if (!creator) return [{ object: o.id, message: `is applied in namespace ${namespace}, which nothing in this cluster creates` }];
  // kustomize-controller applies a Kustomization's Namespaces before its other objects.
  if (creator.applier === o.applier || happensBefore(appliedAt(creator), appliedAt(o))) return [];
  return [{ object: o.id, message: `is applied by ${o.applier} in namespace ${namespace} before ${creator.applier} creates it; make ${o.applier} depend on ${creator.applier}` }];
}

function checkCustomResource(o: Applied, all: readonly Applied[], happensBefore: HappensBefore): PlanProblem[] {
  const group = groupOf(o.manifest.apiVersion);
  const kind = String(o.manifest.kind);
  if (BUILT_IN_GROUPS.has(group)) return [];
  const charts = chartsServing(group, kind);
  // A CRD is served once the Kustomization or HelmRelease installing it is ready; kustomize-controller
  // also applies a Kustomization's own CRDs before its other objects.
  const providers = [
    ...all.filter((c) => c.manifest.kind === 'CustomResourceDefinition' && c.manifest.spec?.group === group && c.manifest.spec?.names?.kind === kind)
      .map((c) => ({ served: c.applier === BOOTSTRAP || c.applier === o.applier || happensBefore(readyOf(c.applier), appliedAt(o)), installer: c.applier, what: `${c.applier} (${c.id})` })),
    ...all.filter((h) => isHelmRelease(h.manifest) && charts.includes(h.manifest.spec?.chart?.spec?.chart))
      .map((h) => ({ served: happensBefore(readyOf(h.id), appliedAt(o)), installer: h.applier, what: `${h.id} (chart ${h.manifest.spec.chart.spec.chart}, applied by ${h.applier})` })),
  ];
  if (providers.length === 0) {
    return [{ object: o.id, message: `${kind} (${group}) is a custom resource whose CRD nothing in this cluster installs; add the CRD, or the chart that serves it to scripts/plan/crd-providers.ts` }];
  }
  if (providers.some((p) => p.served)) return [];
  const first = providers[0];
  return [{ object: o.id, message: `custom resource ${kind} is applied by ${o.applier} before ${first.what} is ready; make ${o.applier} depend on ${first.installer}` }];
}

function checkSource(o: Applied, what: string, source: string | undefined, start: string, objects: ReadonlyMap<string, Applied>, happensBefore: HappensBefore): PlanProblem[] {
  const found = source === undefined ? undefined : objects.get(source);
  // A missing source is reported by the schedule: the object can never become ready.
  if (!found || happensBefore(appliedAt(found), start)) return [];
  return [{ object: o.id, message: `${what} ${source} is applied by ${found.applier}, which ${o.applier} does not wait for; make ${o.applier} depend on ${found.applier}` }];
}
