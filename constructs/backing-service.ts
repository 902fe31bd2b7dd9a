import { ChartEntry, charts } from '../catalogue';
import type { Component } from './component';
import { BACKUP_SET_LABEL, HelmApp } from './helm-app';

/** The CloudPirates charts (official images) that run apps' databases, caches and queues. */
export enum BackingServiceKind {
  POSTGRES = 'postgres',
  MARIADB = 'mariadb',
  VALKEY = 'valkey',
  RABBITMQ = 'rabbitmq',
  MEMCACHED = 'memcached',
}

const CHARTS: Readonly<Record<BackingServiceKind, ChartEntry>> = {
  [BackingServiceKind.POSTGRES]: charts.postgres,
  [BackingServiceKind.MARIADB]: charts.mariadb,
  [BackingServiceKind.VALKEY]: charts.valkey,
  [BackingServiceKind.RABBITMQ]: charts.rabbitmq,
  [BackingServiceKind.MEMCACHED]: charts.memcached,
};

/** The image pull policy's key: the memcached chart documents the older name. */
const PULL_POLICY_KEY: Readonly<Record<BackingServiceKind, string>> = {
  [BackingServiceKind.POSTGRES]: 'imagePullPolicy',
  [BackingServiceKind.MARIADB]: 'imagePullPolicy',
  [BackingServiceKind.VALKEY]: 'imagePullPolicy',
  [BackingServiceKind.RABBITMQ]: 'imagePullPolicy',
  [BackingServiceKind.MEMCACHED]: 'pullPolicy',
};

/** Kinds whose chart has no volume at all. */
const STATELESS: ReadonlySet<BackingServiceKind> = new Set([BackingServiceKind.MEMCACHED]);

export interface BackingServiceProps {
  /** HelmRelease name, and the name of the chart's Service (and StatefulSet or Deployment). */
  readonly name: string;
  readonly kind: BackingServiceKind;
  /**
   * Size of its data volume, which then belongs to the backup set; `undefined` for a cache or a
   * queue whose contents need not survive a restart.
   * @default no volume
   */
  readonly storage?: string;
  /** CPU and memory requests and limits (the chart's `resources`). */
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  /** Further chart values (auth, configuration). @default none */
  readonly values?: Record<string, unknown>;
  /** Values holding generated secrets (`secret.ref(...)` only). @default none */
  readonly secretValues?: Record<string, unknown>;
  /** Releases that must be ready first. @default none */
  readonly dependsOn?: readonly HelmApp[];
  /** The backup set its pods and volume belong to. @default the app's (apps only) */
  readonly backupSet?: string;
}

/**
 * A database, cache or queue for an app, from a CloudPirates chart: named after the release,
 * pulled only when missing (the images are pinned by digest), and in the app's backup set: the
 * release labels its objects and pods, and the chart's `persistence.labels` label the volume
 * claim of its StatefulSet, which no post-renderer can reach.
 */
export function backingService(component: Component<any>, props: BackingServiceProps): HelmApp {
  const backupSet = props.backupSet ?? (component.optional ? component.definition.name : undefined);
  if (props.storage !== undefined && STATELESS.has(props.kind)) {
    throw new Error(`backingService ${props.name}: storage '${props.storage}' given, but the ${props.kind} chart keeps nothing on disk; drop storage`);
  }
  if (props.storage !== undefined && backupSet === undefined) {
    throw new Error(`backingService ${props.name}: a volume (storage '${props.storage}') outside an app needs a backupSet; give one so restores find its data`);
  }
  const labels = backupSet === undefined ? {} : { [BACKUP_SET_LABEL]: backupSet };
  const persistence = STATELESS.has(props.kind) ? {} : {
    persistence: props.storage === undefined ? { enabled: false } : { size: props.storage, labels },
  };
  return component.helmApp({
    name: props.name,
    chart: CHARTS[props.kind],
    dependsOn: props.dependsOn,
    backupSet,
    values: merge({
      fullnameOverride: props.name,
      image: { [PULL_POLICY_KEY[props.kind]]: 'IfNotPresent' },
      ...persistence,
      resources: props.resources,
    }, props.values ?? {}),
    secretValues: props.secretValues,
  });
}

/** `overrides` over `base`, merging nested objects as Helm merges values. */
function merge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    const bothObjects = [current, value].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    merged[key] = bothObjects ? merge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged;
}
