import { BACKUP_TTL, NIGHTLY_SCHEDULE, PROMETHEUS_EXCLUSION, velero, VELERO_NAMESPACE } from '../../apps/velero';
import { charts, imageRef } from '../../catalogue';
import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { componentFiles, fullTree, objects } from '../tree';
import { ALL_SAMPLE_VARIABLES, coalesce, releaseInputs, ReleaseInputs } from './release-inputs';
import { parseYaml } from '../yaml';

const DIR = 'apps/velero';
const fixture = pinnedChart('velero');
const inputs = (variables: Readonly<Record<string, string>> = {}): ReleaseInputs => releaseInputs(DIR, 'velero', fixture.defaults, variables);
const nightly = (variables: Readonly<Record<string, string>> = {}): any => inputs(variables).merged.schedules[NIGHTLY_SCHEDULE];

/** A Kubernetes label selector's matchExpressions, evaluated on one object's labels. */
function selects(selector: { matchExpressions: readonly { key: string; operator: string; values: readonly string[] }[] }, labels: Record<string, string>): boolean {
  return selector.matchExpressions.every(({ key, operator, values }) => {
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
    if (operator === 'In') return key in labels && values.includes(labels[key]);
    throw new Error(`operator ${operator} not evaluated here`);
  });
}

describe('velero', () => {
  test('GIVEN the platform WHEN synthesized THEN the velero files match the snapshot', () => {
    expect(componentFiles('velero')).toMatchSnapshot();
  });

  test('GIVEN the chart fixture WHEN the merged values are validated THEN they pass the chart schema and every key is declared', () => {
    expect({ name: fixture.name, version: fixture.version }).toEqual({ name: charts.velero.chart, version: charts.velero.version });
    expect(schemaErrors(inputs().merged, fixture)).toEqual([]);
    expect(schemaErrors({ ...inputs().merged, deployNodeAgent: 'yes' }, fixture)).not.toEqual([]);
    const { values, secretValues } = inputs();
    // Schedules and the credentials' environment are maps the operator names.
    expect(undeclaredKeys(coalesce(values, secretValues), fixture, ['schedules', 'credentials.extraEnvVars'])).toEqual([]);
    expect(undeclaredKeys({ nodeAgent: { podVolumPath: '/x' } }, fixture)).toEqual(['nodeAgent.podVolumPath']);
  });

  test('GIVEN the backup storage location WHEN substituted THEN bucket, prefix, region and endpoint are the backup_s3_ cluster variables', () => {
    const v = ALL_SAMPLE_VARIABLES;
    expect(inputs().merged.configuration.backupStorageLocation).toEqual([{
      name: 'default',
      provider: 'aws',
      bucket: v.backup_s3_bucket,
      prefix: v.backup_s3_prefix,
      default: true,
      config: { region: v.backup_s3_region, s3Url: v.backup_s3_url, s3ForcePathStyle: 'true' },
    }]);
    expect(inputs({ backup_s3_prefix: '' }).merged.configuration.backupStorageLocation[0].prefix).toBe(CLUSTER_VARIABLES.backup_s3_prefix.default);
    const text = fullTree().get(`${DIR}/configmap-velero-values.yaml`)!;
    for (const name of ['backup_s3_bucket', 'backup_s3_region', 'backup_s3_url']) expect(text).toContain(`\${${name}}`);
  });

  test('GIVEN the S3 credentials WHEN read THEN they reach the chart\'s Secret only as references in the secret values', () => {
    expect(inputs().secretValues).toEqual({
      credentials: { extraEnvVars: { AWS_ACCESS_KEY_ID: '${backup_s3_access_key}', AWS_SECRET_ACCESS_KEY: '${backup_s3_secret_key}' } },
    });
    expect(fullTree().get(`${DIR}/configmap-velero-values.yaml`)).not.toMatch(/access_key|secret_key/);
    const merged = inputs().merged;
    expect(merged.credentials).toMatchObject({ useSecret: true, secretContents: {}, existingSecret: null });
    expect(merged.credentials.extraEnvVars).toEqual({ AWS_ACCESS_KEY_ID: ALL_SAMPLE_VARIABLES.backup_s3_access_key, AWS_SECRET_ACCESS_KEY: ALL_SAMPLE_VARIABLES.backup_s3_secret_key });
  });

  test('GIVEN the nightly Schedule WHEN substituted THEN it is paused (the CronJob velero-nightly runs it in the cluster\'s time zone) and keeps the template: 30 days, everything but velero', () => {
    const schedule = nightly();
    expect(schedule).toMatchObject({ disabled: false, paused: true, useOwnerReferencesInBackup: false });
    expect(schedule.schedule).toBe(`30 ${CLUSTER_VARIABLES.flux_window_end_hour.default} * * *`);
    expect(nightly({ flux_window_end_hour: '5' }).schedule).toBe('30 5 * * *');
    expect(schedule.template).toMatchObject({ ttl: BACKUP_TTL, storageLocation: 'default', excludedNamespaces: [VELERO_NAMESPACE] });
    expect(BACKUP_TTL).toBe('720h0m0s');
  });

  test('GIVEN local-path volumes without snapshots WHEN backed up THEN the node agent copies them with kopia, by default, for every pod', () => {
    const merged = inputs().merged;
    expect(merged).toMatchObject({ deployNodeAgent: true, snapshotsEnabled: false });
    expect(merged.configuration).toMatchObject({ uploaderType: 'kopia', defaultVolumesToFsBackup: true, volumeSnapshotLocation: [] });
    expect(nightly().template.defaultVolumesToFsBackup).toBe(true);
  });

  test('GIVEN the nightly backup WHEN its selector is applied THEN Prometheus\'s pods (and so their data) are excluded and app data is not', () => {
    const selector = nightly().template.labelSelector;
    expect(selector).toEqual({ matchExpressions: [PROMETHEUS_EXCLUSION] });
    // Labels prometheus-operator puts on the pods of kube-prometheus-stack's Prometheus.
    expect(selects(selector, { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' })).toBe(false);
    expect(selects(selector, { [BACKUP_SET_LABEL]: 'zulip', 'app.kubernetes.io/name': 'zulip' })).toBe(true);
    expect(selects(selector, { 'app.kubernetes.io/name': 'alertmanager' })).toBe(true);
    expect(selects(selector, {})).toBe(true);
  });

  test('GIVEN the images WHEN read THEN the AWS plugin is the catalogue pin and no job pulls an unpinned kubectl', () => {
    const merged = inputs().merged;
    expect(merged.initContainers).toEqual([expect.objectContaining({
      name: 'velero-plugin-for-aws',
      image: imageRef('veleroPluginForAws'),
      volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
    })]);
    expect(merged.upgradeCRDs).toBe(false);
    expect(merged.cleanUpCRDs).toBe(false);
    expect(merged.image.tag).not.toBe('latest');
    const release = objects().find((o) => o.file === `${DIR}/helmrelease-velero.yaml`)!.manifest;
    expect(release.spec.install.crds).toBe('CreateReplace');
    expect(release.spec.upgrade.crds).toBe('CreateReplace');
  });

  test('GIVEN the runbook WHEN it lists backups THEN Velero runs as the velero release in its own namespace, an optional app with its own entry', () => {
    const release = objects().find((o) => o.file === `${DIR}/helmrelease-velero.yaml`)!.manifest;
    expect(release.metadata).toEqual({ name: 'velero', namespace: VELERO_NAMESPACE });
    expect(release.spec.commonMetadata.labels).toEqual({ [BACKUP_SET_LABEL]: 'velero' });
    expect(velero.dependsOn).toBeUndefined();
    const k = parseYaml(fullTree().get('cluster/optional/velero/kustomization-velero.yaml')!);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['namespaces', 'sources']);
    expect(fullTree().get('infrastructure/namespaces/namespace-velero.yaml')).toBeDefined();
  });

  test('GIVEN the server and node agent WHEN their resources are read THEN both have requests and limits that fit a 6-core / 12 GB node', () => {
    const merged = inputs().merged;
    for (const r of [merged.resources, merged.nodeAgent.resources, merged.initContainers[0].resources]) {
      expect(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory).toBeTruthy();
    }
    expect([merged.resources.requests, merged.nodeAgent.resources.requests]).toEqual([{ cpu: '100m', memory: '128Mi' }, { cpu: '100m', memory: '128Mi' }]);
  });
});
