/**
 * Watching the tree converge: every Kustomization and HelmRelease, the second it first became
 * Ready (its Ready condition's lastTransitionTime), and its final conditions; then the checks
 * against what the tree promises (nothing Ready before what it `dependsOn`) and against what
 * `npm run plan` predicted (its waves, and every "waits for" edge of its graph).
 */
import { Api, condition, Condition, KubeObject } from './api';
import { sleep } from './processes';
import { Plan } from '../plan/simulate';
import { readyOf, startOf } from '../plan/events';

export const FLUX_KINDS = [
  { kind: 'Kustomization', path: '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations' },
  { kind: 'HelmRelease', path: '/apis/helm.toolkit.fluxcd.io/v2/helmreleases' },
] as const;

export interface Observed {
  /** `Kustomization flux-system/traefik`, as the plan names objects. */
  readonly id: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** When it first was Ready=True. */
  readyAt?: Date;
  conditions: readonly Condition[];
  dependsOn: readonly string[];
}

function idOf(kind: string, o: KubeObject): string {
  return `${kind} ${o.metadata.namespace}/${o.metadata.name}`;
}

function dependencies(kind: string, o: KubeObject): string[] {
  return ((o.spec?.dependsOn ?? []) as { name: string; namespace?: string }[])
    .map((d) => `${kind} ${d.namespace ?? o.metadata.namespace}/${d.name}`);
}

export class Convergence {
  readonly objects = new Map<string, Observed>();

  constructor(private readonly api: Api) {}

  /** Reads every Flux object once, recording first Ready times. */
  async observe(): Promise<void> {
    for (const { kind, path } of FLUX_KINDS) {
      for (const o of await this.api.list(path)) {
        const id = idOf(kind, o);
        const entry = this.objects.get(id) ?? { id, kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name, conditions: [], dependsOn: [] };
        entry.conditions = (o.status?.conditions ?? []) as Condition[];
        entry.dependsOn = dependencies(kind, o);
        const ready = condition(o, 'Ready');
        if (entry.readyAt === undefined && ready?.status === 'True') entry.readyAt = new Date(ready.lastTransitionTime ?? Date.now());
        this.objects.set(id, entry);
      }
    }
  }

  notReady(): Observed[] {
    return [...this.objects.values()].filter((o) => condition({ metadata: { name: o.name }, status: { conditions: o.conditions } }, 'Ready')?.status !== 'True');
  }

  /** Stalled objects: Flux gave up on them until their inputs change. */
  stalled(): Observed[] {
    return [...this.objects.values()].filter((o) => o.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'));
  }

  /**
   * Polls until every object is Ready and every id of `expected` exists; throws on a stalled
   * object, on `failure()` (a process the run needs exited), or after `timeoutSeconds`.
   */
  async untilReady(expected: readonly string[], timeoutSeconds: number, failure: () => Error | undefined, progress: (line: string) => void): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last = '';
    for (;;) {
      const failed = failure();
      if (failed) throw failed;
      await this.observe().catch(() => undefined);
      const missing = expected.filter((id) => !this.objects.has(id));
      const waiting = this.notReady();
      const line = `${this.objects.size - waiting.length}/${this.objects.size} Ready${missing.length > 0 ? `, ${missing.length} not yet applied` : ''}`;
      if (line !== last) progress(line);
      last = line;
      if (missing.length === 0 && waiting.length === 0) return;
      const stalled = this.stalled();
      if (stalled.length > 0) throw new Error(`Flux stalled on ${stalled.map((s) => s.id).join(', ')}`);
      if (Date.now() > deadline) throw new Error(`not all Ready within ${timeoutSeconds} s: ${[...waiting.map((w) => w.id), ...missing.map((m) => `${m} (never applied)`)].join(', ')}`);
      await sleep(1000);
    }
  }

  /** Objects Ready before something they depend on: the tree's ordering promise broken. */
  orderViolations(): string[] {
    const problems: string[] = [];
    for (const o of this.objects.values()) {
      for (const dependency of o.dependsOn) {
        const before = this.objects.get(dependency);
        if (o.readyAt && before?.readyAt && o.readyAt < before.readyAt) {
          problems.push(`${o.id} was Ready at ${o.readyAt.toISOString()}, before ${dependency} (Ready at ${before.readyAt.toISOString()}), which it depends on`);
        }
      }
    }
    return problems;
  }
}

export interface Prediction {
  /** Objects of the plan that never appeared, and objects that appeared that the plan does not know. */
  readonly unknown: readonly string[];
  readonly unplanned: readonly string[];
  /** Guaranteed "waits for" edges of the plan that the run contradicted. */
  readonly contradicted: readonly string[];
}

/** Compares what happened with the plan's graph: each guaranteed edge "ready A before B starts" must hold. */
export function comparePlan(plan: Plan, observed: ReadonlyMap<string, Observed>): Prediction {
  const planned = new Set(plan.schedule.startWave.keys());
  const unknown = [...planned].filter((id) => !observed.has(id)).sort();
  const unplanned = [...observed.keys()].filter((id) => !planned.has(id)).sort();
  const contradicted: string[] = [];
  for (const edge of plan.graph.edges) {
    if (!edge.guaranteed || !edge.from.startsWith('ready ') || edge.delay !== 1) continue;
    const from = observed.get(edge.from.slice('ready '.length));
    const target = edge.to.replace(/^(start|ready) /, '');
    const to = observed.get(target);
    if (from?.readyAt && to?.readyAt && to.readyAt < from.readyAt) {
      contradicted.push(`the plan has ${target} wait for ${from.id} (${edge.from === readyOf(from.id) && edge.to === startOf(target) ? 'to start' : 'to be ready'}), but it was Ready ${Math.round((from.readyAt.getTime() - to.readyAt.getTime()) / 1000)} s before it`);
    }
  }
  return { unknown, unplanned, contradicted };
}
