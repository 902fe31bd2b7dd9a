import { charts, imageRef } from '../catalogue';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer } from '../constructs/component';

/**
 * Velero's own namespace. The documents back up every namespace except this one
 * (`velero create backup ... --exclude-namespaces velero`); `kubectl get backup -A` finds it.
 */
export const VELERO_NAMESPACE = 'velero';

/** The BackupStorageLocation every backup goes to. */
export const BACKUP_STORAGE_LOCATION = 'default';

/** The nightly Schedule's key in the chart's `schedules`; the chart names it `velero-nightly`. */
export const NIGHTLY_SCHEDULE = 'nightly';

/**
 * Pods the nightly backup leaves out: Prometheus's (its data is large and not worth keeping, as
 * the documents say). Volumes are backed up through their pods, so this excludes Prometheus's
 * data; `NotIn` keeps every object that has no such label.
 */
export const PROMETHEUS_EXCLUSION = { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['prometheus'] } as const;

/**
 * Half an hour after the Flux maintenance window closes, so a backup never races the night's
 * upgrades (k3s before, Flux until the window's end). In UTC: Velero's image has no time-zone
 * database (velero#9519), and a `CRON_TZ=` it cannot resolve fails the Schedule's validation, so
 * no backup would run at all. With a `maintenance_time_zone` other than UTC the backup runs at
 * that hour UTC, still once a night.
 */
export const NIGHTLY_CRON = `30 ${vars.flux_window_end_hour} * * *`;

/** How long a nightly backup is kept (Velero's default, 30 days). */
export const BACKUP_TTL = '720h0m0s';

/**
 * Velero, backing up the cluster every night to the operator's S3 bucket (the `backup_s3_*`
 * cluster variables). local-path volumes have no snapshots, so volume data goes through Velero's
 * file-system backup (node agent, kopia).
 */
export const velero = defineComponent({
  name: 'velero',
  layer: Layer.APP,
  namespace: VELERO_NAMESPACE,
  build(component) {
    const name = component.definition.name;
    component.helmApp({
      name,
      chart: charts.velero,
      // Every optional app carries its label; Velero's namespace itself is never backed up.
      values: {
        // Flux installs and upgrades the chart's CRDs (crds/ directory); the chart's job would
        // run kubectl at the cluster's version, an unpinned image.
        upgradeCRDs: false,
        initContainers: [{
          name: 'velero-plugin-for-aws',
          image: imageRef('veleroPluginForAws'),
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
          resources: {
            requests: { cpu: '10m', memory: '32Mi' },
            limits: { cpu: '100m', memory: '128Mi' },
          },
        }],
        resources: {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        },
        configuration: {
          backupStorageLocation: [{
            name: BACKUP_STORAGE_LOCATION,
            provider: 'aws',
            bucket: vars.backup_s3_bucket,
            prefix: vars.backup_s3_prefix,
            default: true,
            config: {
              region: vars.backup_s3_region,
              s3Url: vars.backup_s3_url,
              // Most non-AWS S3 services serve buckets as paths, not subdomains.
              s3ForcePathStyle: 'true',
            },
          }],
          volumeSnapshotLocation: [],
          uploaderType: 'kopia',
          defaultVolumesToFsBackup: true,
        },
        snapshotsEnabled: false,
        deployNodeAgent: true,
        nodeAgent: {
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { cpu: '1', memory: '1Gi' },
          },
        },
        // The chart's Secret; the plugin reads the keys from these environment variables.
        credentials: { useSecret: true },
        schedules: {
          [NIGHTLY_SCHEDULE]: {
            disabled: false,
            schedule: NIGHTLY_CRON,
            useOwnerReferencesInBackup: false,
            template: {
              ttl: BACKUP_TTL,
              storageLocation: BACKUP_STORAGE_LOCATION,
              excludedNamespaces: [VELERO_NAMESPACE],
              defaultVolumesToFsBackup: true,
              labelSelector: { matchExpressions: [PROMETHEUS_EXCLUSION] },
            },
          },
        },
      },
      secretValues: {
        credentials: {
          extraEnvVars: {
            AWS_ACCESS_KEY_ID: vars.backup_s3_access_key,
            AWS_SECRET_ACCESS_KEY: vars.backup_s3_secret_key,
          },
        },
      },
    });
  },
});
