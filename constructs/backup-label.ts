/**
 * The label Velero's restore runbook selects an app's objects and data by. Its own module, free
 * of cdk8s, so the operator scripts' helper (scripts/backup-sets.ts) loads it quickly.
 */
export const BACKUP_SET_LABEL = 'stackspin.net/backupSet';

/**
 * Grafana's backup set: its Deployment, pods and volume (users, preferences, dashboards made in
 * the UI), so `restore-app.sh grafana` restores it alone. The rest of the monitoring stack has none.
 */
export const GRAFANA_BACKUP_SET = 'grafana';

/**
 * The backup sets not named after a component (Grafana's lives in kube-prometheus-stack), with
 * what each holds: no component may take one of these names, or `restore-app.sh <name>` would
 * restore both.
 */
export const CORE_BACKUP_SETS: Readonly<Record<string, string>> = {
  [GRAFANA_BACKUP_SET]: "Grafana's dashboards and users, in kube-prometheus-stack",
};
