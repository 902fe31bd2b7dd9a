import { Applied, BOOTSTRAP, isHelmRelease, isKustomization, refId } from './model';

/**
 * The wave model, as a graph of events. Each Kustomization and HelmRelease has a start and a
 * ready event:
 * - a Kustomization starts once the Kustomization that applies it has started (same wave) and
 *   every `dependsOn` is ready (next wave); it is ready once it has started and, with `wait: true`
 *   (or `healthChecks`), once the HelmReleases and Kustomizations it applies are ready;
 * - a HelmRelease starts once its Kustomization has applied it (same wave), its chart source has
 *   been fetched (next wave after the source is applied) and its `dependsOn` are ready (next wave);
 *   it counts as ready in the wave it starts;
 * - bootstrap (wave 0) applies the GitRepository, the root Kustomization and the `add-<app>`
 *   entries, whose Kustomizations start in wave 1.
 * A wave is one step of this start order; the number of waves is the critical path.
 *
 * Only some edges are guarantees Flux gives (applying, `dependsOn`, waiting); a chart source that
 * appears later is merely retried until it does. Checks use the guaranteed edges, the waves all.
 */
export const BOOT = 'bootstrap';
export const startOf = (id: string): string => `start ${id}`;
export const readyOf = (id: string): string => `ready ${id}`;
/** The object id of an event. */
export const idOf = (event: string): string => event.replace(/^(start|ready) /, '');

export interface EventEdge {
  readonly from: string;
  readonly to: string;
  /** 1 when `to` waits for `from` to be ready (the next wave), 0 when it follows at once. */
  readonly delay: 0 | 1;
  /** Whether Flux orders the two; false for an HelmRelease waiting for its chart source to appear. */
  readonly guaranteed: boolean;
}

export interface EventGraph {
  readonly events: readonly string[];
  readonly edges: readonly EventEdge[];
  /** Events that can never happen, and why (a missing dependency or source, a suspended object). */
  readonly blocked: ReadonlyMap<string, string>;
}

/** The event of an object's application: its applier's start, or bootstrap. */
export function appliedAt(o: Applied): string {
  return o.applier === BOOTSTRAP ? BOOT : startOf(o.applier);
}

/** The id of a HelmRelease's chart source (`spec.chartRef` or `spec.chart.spec.sourceRef`). */
export function chartSourceOf(hr: Applied): string | undefined {
  const ref = hr.manifest.spec?.chartRef ?? hr.manifest.spec?.chart?.spec?.sourceRef;
  return ref?.kind ? refId(ref.kind, ref, hr.manifest.metadata?.namespace) : undefined;
}

/** The id of a Kustomization's source (`spec.sourceRef`). */
export function kustomizationSourceOf(k: Applied): string | undefined {
  const ref = k.manifest.spec?.sourceRef;
  return ref?.kind ? refId(ref.kind, ref, k.manifest.metadata?.namespace) : undefined;
}

export function buildEventGraph(objects: ReadonlyMap<string, Applied>): EventGraph {
  const events: string[] = [BOOT];
  const edges: EventEdge[] = [];
  const blocked = new Map<string, string>();
  const block = (event: string, why: string): void => {
    if (!blocked.has(event)) blocked.set(event, why);
  };
  const waitFor = (kind: string, dependency: string, start: string): void => {
    const found = objects.get(dependency);
    if (found && found.manifest.kind === kind) edges.push({ from: readyOf(dependency), to: start, delay: 1, guaranteed: true });
    else block(start, `it depends on ${dependency}, which nothing applies in this cluster`);
  };
  const fetch = (source: string | undefined, start: string): void => {
    const found = source === undefined ? undefined : objects.get(source);
    if (found) edges.push({ from: appliedAt(found), to: start, delay: 1, guaranteed: false });
    else block(start, `its source ${source ?? '(none)'} is not applied by anything in this cluster`);
  };

  const nodes = [...objects.values()].filter((o) => isKustomization(o.manifest) || isHelmRelease(o.manifest));
  for (const o of nodes) {
    const start = startOf(o.id);
    const ready = readyOf(o.id);
    const namespace = o.manifest.metadata?.namespace;
    events.push(start, ready);
    edges.push({ from: appliedAt(o), to: start, delay: o.applier === BOOTSTRAP ? 1 : 0, guaranteed: true });
    edges.push({ from: start, to: ready, delay: 0, guaranteed: true });
    if (o.manifest.spec?.suspend === true) block(start, 'spec.suspend is true');
    const kind = isKustomization(o.manifest) ? 'Kustomization' : 'HelmRelease';
    for (const dep of o.manifest.spec?.dependsOn ?? []) waitFor(kind, refId(kind, dep, namespace), start);
    if (kind === 'HelmRelease') {
      fetch(chartSourceOf(o), start);
      continue;
    }
    fetch(kustomizationSourceOf(o), start);
    for (const child of waitedFor(o, nodes)) edges.push({ from: readyOf(child), to: ready, delay: 0, guaranteed: true });
  }
  return { events, edges, blocked };
}

/**
 * What a Kustomization's readiness waits for: with `wait`, every Kustomization and HelmRelease it
 * applies (kstatus reads their Ready condition) except itself, as kustomize-controller skips
 * itself to avoid waiting on its own readiness; otherwise those its `healthChecks` name.
 */
function waitedFor(k: Applied, nodes: readonly Applied[]): string[] {
  const applied = nodes.filter((n) => n.applier === k.id && n.id !== k.id).map((n) => n.id);
  if (k.manifest.spec?.wait === true) return applied;
  const checked = new Set((k.manifest.spec?.healthChecks ?? []).map((h: any) => refId(h.kind, h, k.manifest.metadata?.namespace)));
  return applied.filter((id) => checked.has(id));
}
