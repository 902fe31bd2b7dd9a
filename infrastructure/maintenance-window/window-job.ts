import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkName } from '../../constructs/flux-source';
import { KubectlCronJob } from '../../constructs/kubectl-cron-job';
import { WindowAccess } from './window-access';

/** Which end of a maintenance window a job marks. */
export enum WindowEdge {
  /** Opens the window (resume the GitRepository, scale the controller up). */
  OPEN = 'open',
  /** Closes the window (suspend, scale down). */
  CLOSE = 'close',
}

/**
 * How late the CronJob controller may still start a missed run (node or control plane down at
 * the scheduled minute; a k3s upgrade restarts it inside the window).
 * - CLOSE: closing late is always safe, so a missed close runs whenever the node returns within
 *   23 h, the longest window the hour variables allow; a node down at 04:00 never leaves the
 *   repository resumed all day. (If it returns inside the next window, closing early only skips
 *   that night.)
 * - OPEN: at most 30 min late, half the shortest window (1 h), so a late open still lands inside
 *   the window and never opens a cluster in working hours.
 */
export const STARTING_DEADLINE: Readonly<Record<WindowEdge, Duration>> = {
  [WindowEdge.CLOSE]: Duration.hours(23),
  [WindowEdge.OPEN]: Duration.minutes(30),
};

/** Retries of a failed run; each run is idempotent, so retrying is safe. */
export const WINDOW_JOB_BACKOFF_LIMIT = 3;
/** A run (with its retries) that takes longer is failed rather than left hanging. */
export const WINDOW_JOB_ACTIVE_DEADLINE = Duration.minutes(5);
/**
 * Finished Jobs are kept a day for inspection, then deleted, so the documented
 * `kubectl create job --from=cronjob/...` with a fixed name works again the next day.
 */
export const WINDOW_JOB_TTL = Duration.days(1);

/** `0 H * * *` with H a number or a substitution reference such as `${flux_window_start_hour:=2}`. */
const HOUR = /^(\d{1,2}|\$\{[a-z][a-z0-9_]*(:=\d{1,2})?\})$/;

export interface WindowJobProps {
  /** CronJob name; documents and operators use it (`kubectl create job --from=cronjob/<name>`). */
  readonly name: string;
  readonly edge: WindowEdge;
  /** The account (and thereby the one object) the job may patch. */
  readonly access: WindowAccess;
  /** The hour it runs, at minute 0: a cluster-variable reference such as `vars.flux_window_start_hour`. */
  readonly hour: string;
  /** IANA time zone of `hour`: a cluster-variable reference such as `vars.maintenance_time_zone`. */
  readonly timeZone: string;
  /** JSON merge patch applied to the target; applying it twice changes nothing. */
  readonly patch: Record<string, unknown>;
  /** The field the patch sets, as a kubectl JSONPath, and the value it must read back as. */
  readonly expect: { readonly jsonPath: string; readonly value: string };
}

/**
 * A CronJob that opens or closes a maintenance window by merge-patching one object with kubectl
 * (from the flux-cli image) and reading the field back. Idempotent, never overlapping, retried a
 * bounded number of times, non-root on a read-only root filesystem, with resource limits.
 */
export class WindowJob extends Construct {
  public readonly name: string;
  public readonly schedule: string;

  constructor(scope: Construct, id: string, props: WindowJobProps) {
    super(scope, id);
    this.name = checkName('WindowJob name', props.name);
    if (!HOUR.test(props.hour)) {
      throw new Error(`WindowJob ${props.name}: hour '${props.hour}' must be 0-23 or a cluster-variable reference like vars.flux_window_start_hour`);
    }
    if (props.timeZone.length === 0) {
      throw new Error(`WindowJob ${props.name}: timeZone is empty; pass vars.maintenance_time_zone`);
    }
    this.schedule = `0 ${props.hour} * * *`;
    new KubectlCronJob(this, 'Resource', {
      name: this.name,
      namespace: props.access.namespace,
      schedule: this.schedule,
      timeZone: props.timeZone,
      startingDeadline: STARTING_DEADLINE[props.edge],
      serviceAccountName: props.access.serviceAccountName,
      script: windowScript(props),
      backoffLimit: WINDOW_JOB_BACKOFF_LIMIT,
      activeDeadline: WINDOW_JOB_ACTIVE_DEADLINE,
      ttlAfterFinished: WINDOW_JOB_TTL,
    });
  }
}

/** The job's shell script (busybox sh in the flux-cli image), before substitution escaping. */
export function windowScript(props: Pick<WindowJobProps, 'name' | 'access' | 'patch' | 'expect'>): string {
  const { target } = props.access;
  const patch = JSON.stringify(props.patch);
  if (patch.includes("'") || props.expect.jsonPath.includes("'") || /['"\\$`]/.test(props.expect.value)) {
    throw new Error(`WindowJob ${props.name}: patch and expect must not contain quotes, $, \\ or backticks; they are embedded in a shell script`);
  }
  const resource = `${target.resource}${target.apiGroup ? `.${target.apiGroup}` : ''}/${target.name}`;
  const subresource = target.subresource ? ` --subresource ${target.subresource}` : '';
  const kubectl = `kubectl --namespace ${target.namespace}`;
  const what = `${resource}${target.subresource ? ` (${target.subresource})` : ''}`;
  return [
    'set -euo pipefail',
    '',
    'patch_target() {',
    `  ${kubectl} patch ${resource}${subresource} --type merge --field-manager ${props.access.serviceAccountName} --patch '${patch}'`,
    '}',
    '',
    'verify_target() {',
    '  actual="$(' + `${kubectl} get ${resource}${subresource} --output 'jsonpath=${props.expect.jsonPath}'` + ')"',
    `  if [ "\${actual}" != "${props.expect.value}" ]; then`,
    `    echo "${what}: ${props.expect.jsonPath} is '\${actual}', expected '${props.expect.value}'" >&2`,
    '    exit 1',
    '  fi',
    `  echo "${what}: ${props.expect.jsonPath} is \${actual}"`,
    '}',
    '',
    'patch_target',
    'verify_target',
    '',
  ].join('\n');
}
