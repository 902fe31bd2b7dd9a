import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { fluxDuration } from './duration';
import { checkName } from './flux-source';
import { HelmRepository } from './helm-repository';
import { isSubstitutionReference } from './reference-secret';
import { stringify } from './yaml-cache';
import { ChartEntry } from '../catalogue';
import {
  HelmRelease,
  HelmReleaseSpecDriftDetectionMode,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecPostRenderers,
  HelmReleaseSpecUpgradeCrds,
  HelmReleaseSpecValuesFrom,
  HelmReleaseSpecValuesFromKind,
} from '../imports/flux-helmrelease-helm.toolkit.fluxcd.io';

/** The label Velero's restore runbook selects an app's objects and data by. */
export const BACKUP_SET_LABEL = 'stackspin.net/backupSet';

/** helm-controller reconciles a release at once when a values object with this label changes. */
const WATCH_LABEL = { 'reconcile.fluxcd.io/watch': 'Enabled' };

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export interface HelmAppProps {
  /** HelmRelease name: the app's name, used by operators (`flux suspend helmrelease -n <ns> <name>`). */
  readonly name: string;
  /** Namespace of the release and everything it installs. */
  readonly namespace: string;
  /** The catalogue entry: repository, chart and exact version. */
  readonly chart: ChartEntry;
  /** The HelmRepository serving `chart.repository`. */
  readonly source: HelmRepository;
  /** Values the tree owns, written to the `<name>-values` ConfigMap. @default {} */
  readonly values?: Record<string, unknown>;
  /**
   * Values that carry generated secrets, written to the `<name>-secret-values` Secret. Every leaf
   * must be a substitution reference (`secret.ref(...)`), so no secret is ever committed.
   * @default none
   */
  readonly secretValues?: Record<string, unknown>;
  /** Helm release name, when it must differ from `name` (existing clusters). @default name */
  readonly releaseName?: string;
  /** Releases in the same Kustomization that must be ready first. @default none */
  readonly dependsOn?: readonly HelmApp[];
  /** Reconcile interval. @default 1h */
  readonly interval?: Duration;
  /** Timeout of each Helm action. @default 10m */
  readonly timeout?: Duration;
  /** Label every object the release renders with `stackspin.net/backupSet: <value>`. @default no label */
  readonly backupSet?: string;
  /** Read the operator's `stackspin-<name>-override` ConfigMap and Secret. @default true */
  readonly overrides?: boolean;
  /**
   * Kustomize patches over the rendered chart, for what its values cannot set (labels on a
   * bundled StatefulSet's pods and claim templates). @default none
   */
  readonly postRenderers?: readonly HelmReleaseSpecPostRenderers[];
}

/**
 * A Helm release as the platform runs it: a HelmRelease named after the app, values from a
 * ConfigMap the tree owns, generated secrets from a Secret of references, then the operator's
 * optional override ConfigMap and Secret (the later wins). Failed installs and upgrades are
 * retried forever, so no release ends in "retries exhausted"; drift is corrected.
 */
export class HelmApp extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly releaseName: string;
  public readonly chart: ChartEntry;
  /** The ConfigMap of tree-owned values. */
  public readonly valuesConfigMapName: string;
  /** The operator's override ConfigMap and Secret name. */
  public readonly overrideName: string;

  constructor(scope: Construct, id: string, props: HelmAppProps) {
    super(scope, id);
    this.name = checkName('HelmApp name', props.name);
    this.namespace = checkName(`HelmApp ${props.name} namespace`, props.namespace);
    this.releaseName = props.releaseName ?? props.name;
    this.chart = props.chart;
    this.valuesConfigMapName = `${this.name}-values`;
    this.overrideName = `stackspin-${this.name}-override`;
    if (!EXACT_VERSION.test(props.chart.version) && !/^\d+\.\d+\.\d+$/.test(props.chart.version)) {
      throw new Error(`HelmApp ${props.name}: chart version '${props.chart.version}' is not an exact version; pin one like 1.2.3 in catalogue.ts`);
    }
    if (props.source.url !== props.chart.repository) {
      throw new Error(`HelmApp ${props.name}: source ${props.source.name} serves ${props.source.url}, not the chart's repository ${props.chart.repository}`);
    }
    const labels = props.backupSet ? { [BACKUP_SET_LABEL]: props.backupSet } : undefined;

    new ApiObject(this, 'Values', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.valuesConfigMapName, namespace: this.namespace, labels: WATCH_LABEL },
      data: { 'values.yaml': toValuesYaml(props.values ?? {}) },
    } as any);

    const valuesFrom: HelmReleaseSpecValuesFrom[] = [
      { kind: HelmReleaseSpecValuesFromKind.CONFIG_MAP, name: this.valuesConfigMapName },
    ];
    if (props.secretValues !== undefined) {
      checkReferencesOnly(props.name, props.secretValues, 'secretValues');
      const secretName = `${this.name}-secret-values`;
      new ApiObject(this, 'SecretValues', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace: this.namespace, labels: WATCH_LABEL },
        type: 'Opaque',
        // Quoted, so a substituted value stays a string whatever it looks like.
        stringData: { 'values.yaml': toValuesYaml(props.secretValues, true) },
      } as any);
      valuesFrom.push({ kind: HelmReleaseSpecValuesFromKind.SECRET, name: secretName });
    }
    if (props.overrides ?? true) {
      valuesFrom.push(
        { kind: HelmReleaseSpecValuesFromKind.CONFIG_MAP, name: this.overrideName, optional: true },
        { kind: HelmReleaseSpecValuesFromKind.SECRET, name: this.overrideName, optional: true },
      );
    }

    new HelmRelease(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        releaseName: props.releaseName,
        interval: fluxDuration(props.interval ?? Duration.hours(1)),
        timeout: fluxDuration(props.timeout ?? Duration.minutes(10)),
        chart: {
          spec: {
            chart: props.chart.chart,
            version: props.chart.version,
            sourceRef: { kind: 'HelmRepository' as any, name: props.source.name, namespace: props.source.namespace },
            interval: fluxDuration(Duration.hours(12)),
          },
        },
        dependsOn: props.dependsOn?.map((d) => ({ name: d.name, namespace: d.namespace })),
        install: { crds: HelmReleaseSpecInstallCrds.CREATE_REPLACE, remediation: { retries: -1 } },
        upgrade: {
          crds: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE,
          cleanupOnFail: true,
          remediation: { retries: -1, remediateLastFailure: true },
        },
        driftDetection: { mode: HelmReleaseSpecDriftDetectionMode.ENABLED },
        commonMetadata: labels ? { labels } : undefined,
        postRenderers: props.postRenderers ? [...props.postRenderers] : undefined,
        valuesFrom,
      },
    });
  }
}

function toValuesYaml(values: Record<string, unknown>, quoteStrings = false): string {
  return stringify(values, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false, ...(quoteStrings ? { defaultStringType: 'QUOTE_DOUBLE' as const, defaultKeyType: 'PLAIN' as const } : {}) });
}

function checkReferencesOnly(app: string, value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (!isSubstitutionReference(value)) {
      throw new Error(`HelmApp ${app}: ${path} is a literal string, not a reference; secretValues may only hold references like secret.ref('key') (the literal is not shown: it may be a secret)`);
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkReferencesOnly(app, v, `${path}.${k}`);
  } else {
    throw new Error(`HelmApp ${app}: ${path} is ${String(value)}, not a reference; put plain values in values`);
  }
}
