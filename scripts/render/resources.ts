/** Resource requests of rendered workloads, in cores and bytes. */
export interface Requests {
  readonly cpu: number;
  readonly memory: number;
}

const ZERO: Requests = { cpu: 0, memory: 0 };

const MEMORY_SUFFIX: Readonly<Record<string, number>> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A Kubernetes CPU quantity (`100m`, `0.5`, `2`) in cores. */
export function cores(quantity: unknown): number {
  const text = String(quantity);
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) throw new Error(`CPU quantity '${text}' is not like 100m or 1`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/** A Kubernetes memory quantity (`128Mi`, `1G`, `1e9`, `1024`) in bytes. */
export function bytes(quantity: unknown): number {
  const text = String(quantity);
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)(|k|M|G|T|Ki|Mi|Gi|Ti)$/.exec(text);
  if (!match) throw new Error(`memory quantity '${text}' is not like 128Mi or 1G`);
  return Number(match[1]) * MEMORY_SUFFIX[match[2]];
}

function add(a: Requests, b: Requests): Requests {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
}

function containerRequests(container: any): Requests {
  const requests = container?.resources?.requests ?? {};
  return { cpu: requests.cpu === undefined ? 0 : cores(requests.cpu), memory: requests.memory === undefined ? 0 : bytes(requests.memory) };
}

/** What a pod reserves: its containers (and sidecars) together, or its largest init container. */
export function podRequests(spec: any): Requests {
  const sidecars = (spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always');
  const inits = (spec?.initContainers ?? []).filter((c: any) => c.restartPolicy !== 'Always');
  const running = [...(spec?.containers ?? []), ...sidecars].map(containerRequests).reduce(add, ZERO);
  const init = inits.map(containerRequests).reduce((a: Requests, b: Requests) => ({ cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory) }), ZERO);
  return { cpu: Math.max(running.cpu, init.cpu), memory: Math.max(running.memory, init.memory) };
}

/** Kinds whose pods run all the time (a CronJob's while it runs), and their pod specs. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'] as const;

/** The pod template of a workload object, or undefined for other kinds. */
export function podTemplate(manifest: any): any | undefined {
  switch (manifest?.kind) {
    case 'Pod': return { metadata: manifest.metadata, spec: manifest.spec };
    case 'CronJob': return manifest.spec?.jobTemplate?.spec?.template;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': return manifest.spec?.template;
    default: return undefined;
  }
}

/**
 * What an object keeps reserved on the single node: replicas of Deployments and StatefulSets,
 * one pod per DaemonSet, a CronJob's pod, and the pods the Prometheus operator runs for its
 * Prometheus and Alertmanager resources. One-off Jobs (install and upgrade hooks) are left out.
 */
export function steadyRequests(manifest: any): Requests {
  const times = (n: number, r: Requests): Requests => ({ cpu: n * r.cpu, memory: n * r.memory });
  switch (manifest?.kind) {
    case 'Deployment': case 'StatefulSet': case 'ReplicaSet':
      return times(manifest.spec?.replicas ?? 1, podRequests(manifest.spec?.template?.spec));
    case 'DaemonSet':
      return podRequests(manifest.spec?.template?.spec);
    case 'CronJob':
      return podRequests(manifest.spec?.jobTemplate?.spec?.template?.spec);
    case 'Prometheus': case 'Alertmanager':
      return times(manifest.spec?.replicas ?? 1, containerRequests(manifest.spec));
    default:
      return ZERO;
  }
}

export function sumRequests(manifests: readonly any[]): Requests {
  return manifests.map(steadyRequests).reduce(add, ZERO);
}

export function formatCpu(cpu: number): string {
  return `${Math.round(cpu * 1000)}m`;
}

export function formatMemory(memory: number): string {
  return `${Math.round(memory / 2 ** 20)}Mi`;
}
