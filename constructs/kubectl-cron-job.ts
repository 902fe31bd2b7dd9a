import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imageRef } from '../catalogue';
import { checkName } from './flux-source';
import { KUBECTL_HOME, kubectlContainerSecurity, kubectlPodSecurity } from './kubectl-pod';
import { escapeSubstitution } from './tree-writer';

export interface KubectlCronJobProps {
  /** CronJob name; operators run it by hand with `kubectl create job --from=cronjob/<name>`. */
  readonly name: string;
  readonly namespace: string;
  /** Five-field cron schedule, in `timeZone`. */
  readonly schedule: string;
  /** IANA time zone of the schedule: a cluster-variable reference such as `vars.maintenance_time_zone`. */
  readonly timeZone: string;
  /** How late the CronJob controller may still start a missed run. */
  readonly startingDeadline: Duration;
  /** The account the pod runs as; its Role is all the job may do. */
  readonly serviceAccountName: string;
  /** POSIX sh script (busybox ash in the flux-cli image), before substitution escaping. */
  readonly script: string;
  /** Labels of the CronJob and its pods (an app's backup set). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Retries of a failed run; the script must be safe to run again. */
  readonly backoffLimit: number;
  /** A run (with its retries) that takes longer is failed rather than left hanging. */
  readonly activeDeadline: Duration;
  /** Finished Jobs are deleted this long after they end. */
  readonly ttlAfterFinished: Duration;
}

/**
 * A CronJob that runs a short shell script with kubectl from the pinned flux-cli image: in the
 * cluster's time zone (native `timeZone`), never overlapping, retried a bounded number of times,
 * non-root on a read-only root filesystem, with resource limits. The script is escaped for Flux's
 * substitution, so it may use `${...}` shell expansions.
 */
export class KubectlCronJob extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: KubectlCronJobProps) {
    super(scope, id);
    this.name = checkName('KubectlCronJob name', props.name);
    if (props.timeZone.length === 0) {
      throw new Error(`KubectlCronJob ${props.name}: timeZone is empty; pass vars.maintenance_time_zone`);
    }
    new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: props.labels ? { ...props.labels } : undefined },
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: props.startingDeadline.toSeconds(),
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: props.backoffLimit,
            activeDeadlineSeconds: props.activeDeadline.toSeconds(),
            ttlSecondsAfterFinished: props.ttlAfterFinished.toSeconds(),
            template: {
              metadata: props.labels ? { labels: { ...props.labels } } : undefined,
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: props.serviceAccountName,
                automountServiceAccountToken: true,
                securityContext: kubectlPodSecurity(),
                containers: [{
                  name: 'kubectl',
                  image: imageRef('fluxCli'),
                  // The image's entrypoint is flux; kubectl needs fewer permissions (no wait for reconcile).
                  command: ['/bin/sh', '-c', escapeSubstitution(props.script)],
                  env: [{ ...KUBECTL_HOME }],
                  resources: {
                    requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                    limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
                  },
                  securityContext: kubectlContainerSecurity(),
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                }],
                volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
              },
            },
          },
        },
      },
    });
  }
}
