import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FLUX_NAMESPACE } from './flux-source';
import { DECLARES_SECRET_LABEL, GeneratedSecret } from './generated-secret';
import { KUBECTL_HOME, kubectlContainerSecurity, kubectlPodSecurity } from './kubectl-pod';
import { PRUNE_ANNOTATION } from './platform';
import { SUBSTITUTE_ANNOTATION } from './tree-writer';
import { imageRef } from '../catalogue';

/** Name of the Flux Kustomization that declares and fills the generated secrets. */
export const GENERATED_SECRETS = 'generated-secrets';
/** Name of the ServiceAccount, Role and RoleBinding, and prefix of the Job. */
export const SECRET_GENERATOR = 'generate-secrets';
/** Makes kustomize-controller create an object only when it is absent, and never update it. */
export const SSA_ANNOTATION = 'kustomize.toolkit.fluxcd.io/ssa';
/** The only verbs the generator has, on the declared Secrets only. */
export const SECRET_GENERATOR_VERBS: readonly string[] = ['get', 'patch'];
/** The generator's script (busybox sh in the flux-cli image); `test/scripts/secret-generator.bats` runs it. */
export const SECRET_GENERATOR_SCRIPT_FILE = path.join(__dirname, 'secret-generator.sh');

/** Retries of a failed run; a run only adds what is missing, so retrying is safe. */
export const SECRET_GENERATOR_BACKOFF_LIMIT = 3;
/** A run that takes longer fails (and fails its Kustomization) instead of hanging; below its timeout. */
export const SECRET_GENERATOR_ACTIVE_DEADLINE = Duration.minutes(5);
/**
 * Finished Jobs are deleted after a day, so Flux re-creates and re-runs the Job at its next
 * reconcile: a failed run is retried daily without anyone, a completed one adds nothing. Flux
 * counts a Job deleted by its TTL as healthy whatever its outcome, so this stays far above the
 * Kustomization's timeout (a test keeps it at one hour or more).
 */
export const SECRET_GENERATOR_TTL = Duration.days(1);

const DECLARATIONS = '/declarations';

export interface SecretGeneratorProps {
  /** The generated secrets to declare and fill; at least one. */
  readonly secrets: readonly GeneratedSecret[];
  /** The Job's image: kubectl and busybox, already on the node. @default the catalogue's flux-cli image (the window CronJobs' too) */
  readonly image?: string;
  /** The Job's script. @default secret-generator.sh */
  readonly script?: string;
}

/**
 * Makes the cluster create its generated secrets, in `flux-system`:
 * - one ConfigMap `<secret>-keys` per Secret, labelled `stackspin.net/declares-secret: <secret>`,
 *   with one entry per key naming its generator: the tree's declaration, which tools read too;
 * - the Secret itself, empty, applied only when absent and never pruned, so the Job needs no
 *   `create` (whoever may create Secrets in `flux-system` can mint tokens for Flux's
 *   cluster-admin service accounts) and an existing Secret is never touched by Flux;
 * - a ServiceAccount whose Role allows only `get` and `patch` on exactly those Secrets;
 * - a Job that adds the missing keys (`secret-generator.sh`), named with a hash of everything it
 *   runs, so a new declaration, script or image is a new Job that Flux runs (and waits for).
 */
export class SecretGenerator extends Construct {
  public readonly jobName: string;
  public readonly secretNames: readonly string[];

  constructor(scope: Construct, id: string, props: SecretGeneratorProps) {
    super(scope, id);
    if (props.secrets.length === 0) {
      // A Role with no resourceNames would grant get and patch on every Secret.
      throw new Error('SecretGenerator: secrets is empty; create it only when a component declares a generated secret');
    }
    const secrets = [...props.secrets].sort((a, b) => a.name.localeCompare(b.name));
    this.secretNames = secrets.map((s) => s.name);
    const duplicate = this.secretNames.find((name, i) => this.secretNames.indexOf(name) !== i);
    if (duplicate) throw new Error(`SecretGenerator: generated secret ${duplicate} is declared twice; declare each once`);
    const namespace = FLUX_NAMESPACE;
    const metadata = { name: SECRET_GENERATOR, namespace };

    for (const secret of secrets) {
      new ApiObject(this, `Declaration-${secret.name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: declarationName(secret.name), namespace, labels: { [DECLARES_SECRET_LABEL]: secret.name } },
        data: secret.declaration,
      });
      new ApiObject(this, `Secret-${secret.name}`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secret.name,
          namespace,
          annotations: { [SSA_ANNOTATION]: 'IfNotPresent', [PRUNE_ANNOTATION]: 'disabled' },
        },
        type: 'Opaque',
      });
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [...this.secretNames], verbs: [...SECRET_GENERATOR_VERBS] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SECRET_GENERATOR },
      subjects: [{ kind: 'ServiceAccount', name: SECRET_GENERATOR, namespace }],
    });

    const labels = { 'app.kubernetes.io/name': SECRET_GENERATOR };
    const spec = jobSpec(secrets, labels, props.image ?? imageRef('fluxCli'), props.script ?? secretGeneratorScript());
    this.jobName = `${SECRET_GENERATOR}-${contentHash(secrets, spec)}`;
    new ApiObject(this, 'Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: this.jobName,
        namespace,
        labels,
        // A shell script: never substitute it, whatever the Kustomization does.
        annotations: { [SUBSTITUTE_ANNOTATION]: 'disabled' },
      },
      spec,
    });
  }
}

/** The name of the ConfigMap that declares a generated Secret's keys. */
export function declarationName(secret: string): string {
  return `${secret}-keys`;
}

/** The script the Job runs. */
export function secretGeneratorScript(): string {
  return fs.readFileSync(SECRET_GENERATOR_SCRIPT_FILE, 'utf8');
}

/** 10 hex characters of a SHA-256 over the declarations and the Job's spec (script and image included). */
function contentHash(secrets: readonly GeneratedSecret[], spec: unknown): string {
  const declarations = secrets.map((s) => [s.name, s.declaration]);
  return createHash('sha256').update(JSON.stringify({ declarations, spec })).digest('hex').slice(0, 10);
}

function jobSpec(secrets: readonly GeneratedSecret[], labels: Record<string, string>, image: string, script: string): unknown {
  return {
    backoffLimit: SECRET_GENERATOR_BACKOFF_LIMIT,
    activeDeadlineSeconds: SECRET_GENERATOR_ACTIVE_DEADLINE.toSeconds(),
    ttlSecondsAfterFinished: SECRET_GENERATOR_TTL.toSeconds(),
    template: {
      metadata: { labels },
      spec: {
        restartPolicy: 'Never',
        serviceAccountName: SECRET_GENERATOR,
        automountServiceAccountToken: true,
        securityContext: kubectlPodSecurity(),
        containers: [{
          name: 'generate',
          image,
          // The image's entrypoint is flux; the script needs only kubectl and busybox.
          command: ['/bin/sh', '-c', script, SECRET_GENERATOR],
          env: [
            { name: 'NAMESPACE', value: FLUX_NAMESPACE },
            { name: 'DECLARATIONS', value: DECLARATIONS },
            KUBECTL_HOME,
          ],
          resources: {
            requests: { cpu: '10m', memory: '32Mi' },
            limits: { cpu: '200m', memory: '128Mi' },
          },
          securityContext: kubectlContainerSecurity(),
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'declarations', mountPath: DECLARATIONS, readOnly: true },
          ],
        }],
        volumes: [
          { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          {
            name: 'declarations',
            // `<secret>/<key>` files: the kubelet mounts the declarations, so the Job needs no ConfigMap access.
            projected: {
              sources: secrets.map((s) => ({
                configMap: { name: declarationName(s.name), items: Object.keys(s.declaration).map((key) => ({ key, path: `${s.name}/${key}` })) },
              })),
            },
          },
        ],
      },
    },
  };
}
