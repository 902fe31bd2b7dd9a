/**
 * The label Velero's restore runbook selects an app's objects and data by. Its own module, free
 * of cdk8s, so the operator scripts' helper (scripts/backup-sets.ts) loads it quickly.
 */
export const BACKUP_SET_LABEL = 'stackspin.net/backupSet';
