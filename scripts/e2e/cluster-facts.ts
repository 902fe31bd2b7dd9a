/**
 * What the converged cluster holds besides Flux's objects, read from the API server once every
 * Kustomization and HelmRelease is Ready: every pod the platform asked for, admitted (PodSecurity,
 * ServiceAccount), placed by the real scheduler on the one node and within its capacity; every
 * PersistentVolumeClaim Bound; every Job complete; every workload with the pods it wants ready; and
 * the Warning events the control plane recorded on the way (a pod scheduled before the claim
 * applied beside it existed: Flux applies a Kustomization's objects concurrently).
 */
import { Api, KubeObject } from './api';
import { NODE } from './control-plane';

export interface ClusterFacts {
  readonly pods: number;
  /** Pods neither Running nor Succeeded, with why. */
  readonly podsNotRunning: readonly string[];
  /** What the node's running pods request, against what it has. */
  readonly requested: { readonly cpuMillis: number; readonly memoryMiB: number; readonly allocatableCpuMillis: number; readonly allocatableMemoryMiB: number };
  readonly claims: number;
  readonly claimsNotBound: readonly string[];
  readonly jobs: number;
  readonly jobsNotComplete: readonly string[];
  /** Deployments, StatefulSets and DaemonSets, and those with fewer ready pods than they want. */
  readonly workloads: number;
  readonly workloadsNotReady: readonly string[];
  /** Warning events by reason, with one example each. */
  readonly warnings: Readonly<Record<string, { readonly count: number; readonly example: string }>>;
}

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, m: 1e-3 };

/** A Kubernetes quantity in base units (cores, bytes). */
export function quantity(value: string | undefined): number {
  if (value === undefined) return 0;
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(value);
  if (match === null) throw new Error(`'${value}' is not a Kubernetes quantity`);
  return Number(match[1]) * (match[2] === '' ? 1 : SUFFIX[match[2]] ?? NaN);
}

function name(o: KubeObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}

/** A pod's requests as the scheduler counts them: the larger of its containers' sum and any init container. */
function podRequests(pod: KubeObject, resource: 'cpu' | 'memory'): number {
  const of = (containers: { resources?: { requests?: Record<string, string> } }[] | undefined): number[] => (containers ?? []).map((c) => quantity(c.resources?.requests?.[resource]));
  const sum = of(pod.spec.containers).reduce((a, b) => a + b, 0);
  return Math.max(sum, ...of(pod.spec.initContainers)) + quantity(pod.spec.overhead?.[resource]);
}

export async function readClusterFacts(api: Api): Promise<ClusterFacts> {
  const [pods, claims, jobs, events, deployments, statefulSets, daemonSets] = await Promise.all([
    api.list('/api/v1/pods'), api.list('/api/v1/persistentvolumeclaims'), api.list('/apis/batch/v1/jobs'), api.list('/api/v1/events'),
    api.list('/apis/apps/v1/deployments'), api.list('/apis/apps/v1/statefulsets'), api.list('/apis/apps/v1/daemonsets'),
  ]);
  const short = (wanted: number, ready: number | undefined, kind: string, o: KubeObject): string[] => ((ready ?? 0) < wanted ? [`${kind} ${name(o)} (${ready ?? 0} of ${wanted} ready)`] : []);
  const workloadsNotReady = [
    ...deployments.flatMap((d) => short(d.spec.replicas ?? 1, d.status?.availableReplicas, 'Deployment', d)),
    ...statefulSets.flatMap((d) => short(d.spec.replicas ?? 1, d.status?.readyReplicas, 'StatefulSet', d)),
    ...daemonSets.flatMap((d) => short(d.status?.desiredNumberScheduled ?? 0, d.status?.numberReady, 'DaemonSet', d)),
  ];
  const running = pods.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending');
  const podsNotRunning = pods.filter((p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded')
    .map((p) => `${name(p)} (${p.status?.phase ?? 'no phase'}${p.status?.conditions?.find((c: { type: string }) => c.type === 'PodScheduled')?.message ? `: ${p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled').message}` : ''})`);
  const warnings: Record<string, { count: number; example: string }> = {};
  for (const event of events.filter((e) => (e as unknown as { type?: string }).type === 'Warning')) {
    const { reason, message, involvedObject } = event as unknown as { reason: string; message: string; involvedObject: { kind: string; namespace?: string; name: string } };
    const entry = warnings[reason] ?? { count: 0, example: `${involvedObject.kind} ${involvedObject.namespace ?? ''}/${involvedObject.name}: ${message}` };
    entry.count += 1;
    warnings[reason] = entry;
  }
  const complete = (j: KubeObject): boolean => (j.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Complete' && c.status === 'True');
  return {
    pods: pods.length,
    podsNotRunning,
    requested: {
      cpuMillis: Math.round(running.reduce((a, p) => a + podRequests(p, 'cpu'), 0) * 1000),
      memoryMiB: Math.round(running.reduce((a, p) => a + podRequests(p, 'memory'), 0) / 2 ** 20),
      allocatableCpuMillis: Math.round(quantity(NODE.cpu) * 1000),
      allocatableMemoryMiB: Math.round(quantity(NODE.memory) / 2 ** 20),
    },
    claims: claims.length,
    claimsNotBound: claims.filter((c) => c.status?.phase !== 'Bound').map((c) => `${name(c)} (${c.status?.phase ?? 'no phase'})`),
    jobs: jobs.length,
    jobsNotComplete: jobs.filter((j) => !complete(j)).map(name),
    workloads: deployments.length + statefulSets.length + daemonSets.length,
    workloadsNotReady,
    warnings,
  };
}
