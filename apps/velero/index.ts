import { charts, imageRef } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer } from '../../constructs/component';
import {
  BACKUP_STORAGE_LOCATION, backupTemplate, NIGHTLY_SCHEDULE, NIGHTLY_SCHEDULE_NAME, VELERO_NAMESPACE,
} from './backup-template';
import { NIGHTLY_BACKUP_MINUTE, NightlyBackup } from './nightly-backup';

export {
  BACKUP_STORAGE_LOCATION, BACKUP_TTL, backupTemplate, EXCLUDED_NAMESPACES, NIGHTLY_SCHEDULE, NIGHTLY_SCHEDULE_NAME,
  PROMETHEUS_EXCLUSION, SCHEDULE_NAME_LABEL, VELERO_NAMESPACE,
} from './backup-template';

/**
 * The paused Schedule's nominal time: the nightly CronJob's hour, in UTC. Velero never runs it
 * (paused); it keeps the documented `velero-nightly` Schedule and its template, which the CronJob
 * and `backup-now.sh` copy, and which `velero backup create --from-schedule velero-nightly` uses.
 */
export const SCHEDULE_CRON = `${NIGHTLY_BACKUP_MINUTE} ${vars.flux_window_end_hour} * * *`;

/**
 * Velero, backing up the cluster every night to the operator's S3 bucket (the `backup_s3_*`
 * cluster variables). local-path volumes have no snapshots, so volume data goes through Velero's
 * file-system backup (node agent, kopia). The backup runs from a CronJob in the cluster's
 * `maintenance_time_zone`, half an hour after the Flux window closes (nightly-backup.ts).
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
            // The template only: a CRON_TZ= schedule would fail validation (velero#9519).
            paused: true,
            schedule: SCHEDULE_CRON,
            useOwnerReferencesInBackup: false,
            template: backupTemplate(),
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
    new NightlyBackup(component, 'NightlyBackup', {
      namespace: component.namespace,
      schedule: NIGHTLY_SCHEDULE_NAME,
      hour: vars.flux_window_end_hour,
      timeZone: vars.maintenance_time_zone,
      labels: component.backupLabels,
    });
  },
});
