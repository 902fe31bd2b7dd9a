import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkName } from '../../constructs/flux-source';
import { KubectlCronJob } from '../../constructs/kubectl-cron-job';
import { SCHEDULE_NAME_LABEL } from './backup-template';

/** Minute of `flux_window_end_hour` the backup starts: half an hour after the Flux window closes. */
export const NIGHTLY_BACKUP_MINUTE = 30;

/**
 * How late a missed backup still starts (node down at the backup time): the same day, up to 12
 * hours late, so it never runs into the next night's windows and that night's backup.
 */
export const NIGHTLY_BACKUP_STARTING_DEADLINE = Duration.hours(12);

/** Retries of a failed run: each makes at most one Backup, so a retry cannot pile them up. */
export const NIGHTLY_BACKUP_RETRIES = 3;
/** The job only creates the Backup object; Velero does the work. */
export const NIGHTLY_BACKUP_ACTIVE_DEADLINE = Duration.minutes(5);
/** Finished Jobs are kept a day, so `kubectl create job --from=cronjob/...` with a fixed name works the next day. */
export const NIGHTLY_BACKUP_JOB_TTL = Duration.days(1);

/** What the job may do: read the one Schedule it copies, and create Backups. */
export const NIGHTLY_BACKUP_RULES = (schedule: string): k8s.PolicyRule[] => [
  { apiGroups: ['velero.io'], resources: ['schedules'], resourceNames: [schedule], verbs: ['get'] },
  // Kubernetes cannot limit create to a name; this account exists only for this job.
  { apiGroups: ['velero.io'], resources: ['backups'], verbs: ['create'] },
];

export interface NightlyBackupProps {
  /** Velero's namespace: the Schedule, the Backups, the CronJob and its account live there. */
  readonly namespace: string;
  /** The Velero Schedule whose template every Backup copies; also the CronJob's and account's name. */
  readonly schedule: string;
  /** The hour it runs, at NIGHTLY_BACKUP_MINUTE: a cluster-variable reference such as `vars.flux_window_end_hour`. */
  readonly hour: string;
  /** IANA time zone of `hour`: a cluster-variable reference such as `vars.maintenance_time_zone`. */
  readonly timeZone: string;
  /** Labels of the CronJob and its pods (the app's backup set). @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The nightly backup, in the cluster's time zone. Velero's image has no time-zone database
 * (velero#9519), so a Schedule with `CRON_TZ=` fails validation and never runs; a Kubernetes
 * CronJob has a native `timeZone`. It does what `velero backup create --from-schedule` does:
 * reads the template of the paused Schedule and creates a Backup named `<schedule>-<UTC time>`
 * with it, labelled with the schedule's name as Velero's own schedule would.
 */
export class NightlyBackup extends Construct {
  public readonly cronJob: KubectlCronJob;

  constructor(scope: Construct, id: string, props: NightlyBackupProps) {
    super(scope, id);
    const name = checkName('NightlyBackup schedule', props.schedule);
    const metadata = { name, namespace: props.namespace, labels: props.labels ? { ...props.labels } : undefined };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'Role', { metadata, rules: NIGHTLY_BACKUP_RULES(name) });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: props.namespace }],
    });
    this.cronJob = new KubectlCronJob(this, 'CronJob', {
      name,
      namespace: props.namespace,
      schedule: `${NIGHTLY_BACKUP_MINUTE} ${props.hour} * * *`,
      timeZone: props.timeZone,
      startingDeadline: NIGHTLY_BACKUP_STARTING_DEADLINE,
      serviceAccountName: name,
      script: nightlyBackupScript(props.namespace, name),
      labels: props.labels,
      backoffLimit: NIGHTLY_BACKUP_RETRIES,
      activeDeadline: NIGHTLY_BACKUP_ACTIVE_DEADLINE,
      ttlAfterFinished: NIGHTLY_BACKUP_JOB_TTL,
    });
  }
}

/** The job's script (busybox sh in the flux-cli image, which has no jq), before substitution escaping. */
export function nightlyBackupScript(namespace: string, schedule: string): string {
  const kubectl = `kubectl --namespace ${namespace}`;
  const metadata = `{"name":"%s","namespace":"${namespace}","labels":{"${SCHEDULE_NAME_LABEL}":"${schedule}"}}`;
  return [
    'set -euo pipefail',
    '',
    'read_template() {',
    `  ${kubectl} get schedules.velero.io/${schedule} --output 'jsonpath={.spec.template}'`,
    '}',
    '',
    'create_backup() {',
    '  template="$(read_template)"',
    '  if [ -z "${template}" ]; then',
    `    echo "schedules.velero.io/${schedule} has no template; see flux get helmreleases -n ${namespace}" >&2`,
    '    exit 1',
    '  fi',
    `  name="${schedule}-$(date -u +%Y%m%d%H%M%S)"`,
    `  printf '{"apiVersion":"velero.io/v1","kind":"Backup","metadata":${metadata},"spec":%s}\\n' "\${name}" "\${template}" \\`,
    `    | ${kubectl} create --filename - --field-manager ${schedule}`,
    '}',
    '',
    'create_backup',
    '',
  ].join('\n');
}
