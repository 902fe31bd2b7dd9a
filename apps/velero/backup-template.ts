/**
 * What every backup of the platform is: the template of Velero's Schedule `velero-nightly`, which
 * the nightly CronJob and `scripts/backup-now.sh` copy into each Backup they create. Plain
 * constants, no constructs: the operator scripts' helper (scripts/backup-sets.ts) reads them too.
 */

/**
 * Velero's own namespace. The documents back up every namespace except this one
 * (`velero create backup ... --exclude-namespaces velero`); `kubectl get backup -A` finds it.
 */
export const VELERO_NAMESPACE = 'velero';

/** The BackupStorageLocation every backup goes to: the operator's S3 bucket. */
export const BACKUP_STORAGE_LOCATION = 'default';

/** The nightly Schedule's key in the chart's `schedules`. */
export const NIGHTLY_SCHEDULE = 'nightly';

/** The Schedule's name: the chart prefixes the key with its full name, the release's (`velero`). */
export const NIGHTLY_SCHEDULE_NAME = `velero-${NIGHTLY_SCHEDULE}`;

/** The label Velero puts on the Backups of a Schedule (velero.io/schedule-name). */
export const SCHEDULE_NAME_LABEL = 'velero.io/schedule-name';

/** Namespaces no backup holds: Velero's own (a restore cannot bring back the tool that restores). */
export const EXCLUDED_NAMESPACES: readonly string[] = [VELERO_NAMESPACE];

/** How long a backup is kept (Velero's default, 30 days); Velero deletes it, and its data, after. */
export const BACKUP_TTL = '720h0m0s';

/**
 * Pods a backup leaves out: Prometheus's (its data is large and not worth keeping, as the
 * documents say). Volumes are backed up through their pods, so this excludes Prometheus's data;
 * `NotIn` keeps every object that has no such label.
 */
export const PROMETHEUS_EXCLUSION = { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['prometheus'] } as const;

/**
 * The Backup spec of every backup: the whole cluster but Velero's namespace and Prometheus's pods,
 * volumes copied by the node agent (local-path volumes have no snapshots), kept 30 days.
 */
export function backupTemplate(): Record<string, unknown> {
  return {
    ttl: BACKUP_TTL,
    storageLocation: BACKUP_STORAGE_LOCATION,
    excludedNamespaces: [...EXCLUDED_NAMESPACES],
    defaultVolumesToFsBackup: true,
    labelSelector: { matchExpressions: [{ ...PROMETHEUS_EXCLUSION, values: [...PROMETHEUS_EXCLUSION.values] }] },
  };
}
