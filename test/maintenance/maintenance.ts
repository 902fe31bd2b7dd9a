import { CLUSTER_VARIABLES, ClusterVariableName } from '../../constructs/cluster-variables';
import { RenderedTree } from '../../constructs/tree-writer';
import { fluxMaintenanceWindow } from '../../infrastructure/maintenance-window/flux-window';
import { k3sUpgrade } from '../../infrastructure/system-upgrade-controller/k3s-upgrade';
import { systemUpgradeController } from '../../infrastructure/system-upgrade-controller';
import { withQuote } from '../../scripts/plan/cluster-input';
import { envsubst } from '../../scripts/plan/envsubst';
import { objects, TreeObject, treeOf } from '../tree';
import { parseYaml } from '../yaml';

/** The tree directories this feature owns. */
export const MAINTENANCE_DIRECTORIES = ['infrastructure/flux-maintenance-window', 'infrastructure/system-upgrade-controller', 'infrastructure/k3s-upgrade'];

let rendered: RenderedTree | undefined;

/** Only the maintenance components (and what they depend on), rendered once per test file. */
export function maintenanceTree(): RenderedTree {
  rendered ??= treeOf(fluxMaintenanceWindow, systemUpgradeController, k3sUpgrade);
  return rendered;
}

/** The objects in the maintenance directories. */
export function maintenanceObjects(tree: RenderedTree = maintenanceTree()): TreeObject[] {
  return objects(tree).filter((o) => MAINTENANCE_DIRECTORIES.some((d) => o.file.startsWith(`${d}/`)));
}

/** The one object of a kind and name in the maintenance directories. */
export function find(kind: string, name: string, tree: RenderedTree = maintenanceTree()): any {
  const found = maintenanceObjects(tree).filter((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0].manifest;
}

/** The four window CronJobs. */
export function windowCronJobs(tree: RenderedTree = maintenanceTree()): TreeObject[] {
  return maintenanceObjects(tree).filter((o) => o.manifest.kind === 'CronJob');
}

/** The pod spec of a CronJob. */
export const podOf = (cronJob: any): any => cronJob.spec.jobTemplate.spec.template.spec;

/** The shell script a window CronJob runs, as it is committed (still escaped for Flux). */
export const scriptOf = (cronJob: any): string => podOf(cronJob).containers[0].command[2];

export type Values = Partial<Record<ClusterVariableName, string>>;

/** Cluster-variable sets operators may enter: the defaults (empty), and valid edge cases. */
export const SAMPLES: readonly { readonly name: string; readonly values: Values }[] = [
  { name: 'defaults', values: {} },
  {
    name: 'windows across midnight in Amsterdam',
    values: { maintenance_time_zone: 'Europe/Amsterdam', flux_window_start_hour: '23', flux_window_end_hour: '1', k3s_window_start_hour: '22', k3s_window_end_hour: '23' },
  },
  {
    name: 'two-digit hours and hour 0',
    values: { maintenance_time_zone: 'America/Argentina/Buenos_Aires', flux_window_start_hour: '00', flux_window_end_hour: '05', k3s_window_start_hour: '09', k3s_window_end_hour: '0' },
  },
];

/** A file after Flux's strict post-build substitution with the given values; throws on a missing variable. */
export function substitute(text: string, values: Values): any {
  const { text: out, missing, malformed } = envsubst(text, withQuote(new Map(Object.entries(values) as [string, string][])));
  if (missing.length > 0 || malformed.length > 0) throw new Error(`unresolved: ${[...missing, ...malformed].join(', ')}`);
  return parseYaml(out);
}

/** Every value the hour schema accepts. */
export function acceptedHours(): string[] {
  const candidates = Array.from({ length: 100 }, (_, i) => [String(i), String(i).padStart(2, '0')]).flat();
  return [...new Set(candidates)].filter((h) => CLUSTER_VARIABLES.flux_window_start_hour.schema.safeParse(h).success);
}

const CRON_FIELDS: readonly (readonly [number, number])[] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];

/** Whether a 5-field schedule is one Kubernetes (robfig/cron standard parser) accepts: `*`, numbers, ranges, lists, steps. */
export function isValidCron(schedule: string): boolean {
  const fields = schedule.split(' ');
  if (fields.length !== 5) return false;
  return fields.every((field, i) => field.split(',').every((part) => {
    const [range, step, ...rest] = part.split('/');
    if (rest.length > 0 || (step !== undefined && !/^\d+$/.test(step))) return false;
    if (range === '*') return true;
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) return false;
    const [min, max] = CRON_FIELDS[i];
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return lo >= min && hi <= max && lo <= hi;
  }));
}

/** Whether kured's timewindow (the Plan window parser in system-upgrade-controller) reads `s` as `15:04`. */
export function isPlanTime(s: unknown): boolean {
  return typeof s === 'string' && /^([01]?\d|2[0-3]):[0-5]\d$/.test(s);
}
