import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { BACKUP_SET_LABEL } from './backup-label';
import { fluxDuration } from './duration';
import { checkName } from './flux-source';
import { HelmRepository } from './helm-repository';
import { isSubstitutionReference } from './reference-secret';
import { SubstitutedStrings, toYaml } from './tree-writer';
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

export { BACKUP_SET_LABEL };

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
  /**
   * Label every object the release renders, and every pod template, with
   * `stackspin.net/backupSet: <value>`. Claims of StatefulSets' volumeClaimTemplates cannot be
   * patched generically: set them through the chart's values (`npm test` renders and checks).
   * @default no label
   */
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
    const postRenderers = [...(props.postRenderers ?? []), ...(labels ? [podTemplateLabels(labels)] : [])];

    new ApiObject(this, 'Values', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.valuesConfigMapName, namespace: this.namespace, labels: WATCH_LABEL },
      data: { 'values.yaml': toYaml(props.values ?? {}, SubstitutedStrings.YAML_QUOTE) },
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
        stringData: { 'values.yaml': toYaml(props.secretValues, SubstitutedStrings.YAML_QUOTE) },
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
        postRenderers: postRenderers.length > 0 ? postRenderers : undefined,
        valuesFrom,
      },
    });
  }
}

/** Where each workload kind keeps its pod template, as a patch that adds labels there. */
const POD_TEMPLATE_PATCHES: readonly { readonly apiVersion: string; readonly kind: string; readonly patch: (labels: Record<string, string>) => object }[] = [
  ...['Deployment', 'StatefulSet', 'DaemonSet'].map((kind) => ({ apiVersion: 'apps/v1', kind, patch: (labels: Record<string, string>) => ({ spec: { template: { metadata: { labels } } } }) })),
  { apiVersion: 'batch/v1', kind: 'Job', patch: (labels) => ({ spec: { template: { metadata: { labels } } } }) },
  { apiVersion: 'batch/v1', kind: 'CronJob', patch: (labels) => ({ spec: { jobTemplate: { spec: { template: { metadata: { labels } } } } } }) },
];

/**
 * A post-renderer that labels the pod template of every workload the chart renders, whatever its
 * name: `commonMetadata` labels only top-level objects, and Velero's restore selects pods by label.
 * Strategic merge patches add the labels and keep the chart's own.
 */
function podTemplateLabels(labels: Record<string, string>): HelmReleaseSpecPostRenderers {
  return {
    kustomize: {
      patches: POD_TEMPLATE_PATCHES.map(({ apiVersion, kind, patch }) => ({
        target: { kind },
        // kustomize needs a name in the patch; with a target, it applies to every object of the kind.
        patch: JSON.stringify({ apiVersion, kind, metadata: { name: 'every' }, ...patch(labels) }),
      })),
    },
  };
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
