import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imageRef } from '../../catalogue';
import { checkName } from '../../constructs/flux-source';

/** Upstream names (release manifests v0.20.1); the Plan and the documents refer to them. */
export const CONTROLLER_NAME = 'system-upgrade-controller';
/** The ServiceAccount the controller and the upgrade Jobs it creates run as. */
export const UPGRADE_SERVICE_ACCOUNT = 'system-upgrade';
/** Pod label the controller reads its own name from; it also keeps the pod out of drains. */
const CONTROLLER_LABEL = 'upgrade.cattle.io/controller';

export interface SystemUpgradeControllerProps {
  /** Namespace of the controller and the upgrade Jobs. */
  readonly namespace: string;
}

/**
 * Rancher's system-upgrade-controller, rewritten from its v0.20.1 release manifests (the
 * `system-upgrade-controller.yaml`, `clusterrole.yaml` and `clusterrolebinding.yaml` assets) as
 * typed objects, with the image pinned in the catalogue, resource limits and a read-only root
 * filesystem added. The Namespace is the platform's; the Plan CRD is `PlanCrd`.
 */
export class SystemUpgradeController extends Construct {
  public readonly deploymentName = CONTROLLER_NAME;
  public readonly serviceAccountName = UPGRADE_SERVICE_ACCOUNT;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: SystemUpgradeControllerProps) {
    super(scope, id);
    this.namespace = checkName('SystemUpgradeController namespace', props.namespace);
    const namespace = this.namespace;
    const envName = 'default-controller-env';

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: UPGRADE_SERVICE_ACCOUNT, namespace } });
    this.rbac();

    new k8s.KubeConfigMap(this, 'Env', {
      metadata: { name: envName, namespace },
      data: {
        SYSTEM_UPGRADE_CONTROLLER_DEBUG: 'false',
        SYSTEM_UPGRADE_CONTROLLER_THREADS: '2',
        SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT: 'true',
        SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS: '900',
        SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT: '99',
        // Upstream says Always; every image here is pinned, so a registry outage at night cannot block a run.
        SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY: 'IfNotPresent',
        // Runs cordon/uncordon in the upgrade Jobs; pinned in the catalogue like every image.
        SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE: imageRef('rancherKubectl'),
        SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE_WINDOWS: '',
        SYSTEM_UPGRADE_JOB_PRIVILEGED: 'true',
        SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH: '900',
        SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL: '15m',
      },
    });

    const hostDirectory = (name: string, path: string): k8s.Volume => ({ name, hostPath: { path, type: 'DirectoryOrCreate' } });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: CONTROLLER_NAME, namespace },
      spec: {
        // No `replicas`: the maintenance-window CronJobs own it through the scale subresource. A
        // declared value would be put back by Flux at every reconcile (hourly), starting the
        // controller outside its window or stopping it inside. A new Deployment starts with one
        // replica until the first scale-down; the Plan's own window keeps it from upgrading then.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { [CONTROLLER_LABEL]: CONTROLLER_NAME } },
        template: {
          metadata: {
            labels: {
              'app.kubernetes.io/component': 'controller',
              'app.kubernetes.io/name': CONTROLLER_NAME,
              [CONTROLLER_LABEL]: CONTROLLER_NAME,
            },
          },
          spec: {
            serviceAccountName: UPGRADE_SERVICE_ACCOUNT,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{
                    matchExpressions: [
                      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' },
                      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
                    ],
                  }],
                },
              },
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{
                  topologyKey: 'kubernetes.io/hostname',
                  labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [CONTROLLER_NAME] }] },
                }],
              },
            },
            tolerations: [
              { key: 'CriticalAddonsOnly', operator: 'Exists' },
              { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/controlplane', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/etcd', operator: 'Exists', effect: 'NoExecute' },
            ],
            containers: [{
              name: CONTROLLER_NAME,
              image: imageRef('systemUpgradeController'),
              imagePullPolicy: 'IfNotPresent',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                allowPrivilegeEscalation: false,
                // The controller writes only to /tmp, an emptyDir.
                readOnlyRootFilesystem: true,
                seccompProfile: { type: 'RuntimeDefault' },
                capabilities: { drop: ['ALL'] },
              },
              resources: {
                requests: { cpu: k8s.Quantity.fromString('20m'), memory: k8s.Quantity.fromString('64Mi') },
                limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
              },
              envFrom: [{ configMapRef: { name: envName } }],
              env: [
                { name: 'SYSTEM_UPGRADE_CONTROLLER_NAME', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${CONTROLLER_LABEL}']` } } },
                { name: 'SYSTEM_UPGRADE_CONTROLLER_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'SYSTEM_UPGRADE_CONTROLLER_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              volumeMounts: [
                { name: 'etc-ssl', mountPath: '/etc/ssl', readOnly: true },
                { name: 'etc-pki', mountPath: '/etc/pki', readOnly: true },
                { name: 'etc-ca-certificates', mountPath: '/etc/ca-certificates', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }],
            // The image is FROM scratch: CA certificates come from the host.
            volumes: [
              hostDirectory('etc-ssl', '/etc/ssl'),
              hostDirectory('etc-pki', '/etc/pki'),
              hostDirectory('etc-ca-certificates', '/etc/ca-certificates'),
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }

  /** Upstream's RBAC, unchanged: the controller cordons nodes and runs privileged upgrade Jobs. */
  private rbac(): void {
    const namespace = this.namespace;
    const subjects = [{ kind: 'ServiceAccount', name: UPGRADE_SERVICE_ACCOUNT, namespace }];
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: CONTROLLER_NAME },
      rules: [
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'] },
        { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['update'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'create', 'patch', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [CONTROLLER_NAME], verbs: ['get', 'update'] },
        { apiGroups: ['upgrade.cattle.io'], resources: ['plans', 'plans/status'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
      ],
    });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: CONTROLLER_NAME, namespace },
      rules: [
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update', 'get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRole(this, 'DrainerClusterRole', {
      metadata: { name: `${CONTROLLER_NAME}-drainer` },
      rules: [
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
        { apiGroups: ['apps'], resources: ['statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'DrainerBinding', {
      metadata: { name: 'system-upgrade-drainer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${CONTROLLER_NAME}-drainer` },
      subjects,
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: 'system-upgrade' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_NAME },
      subjects,
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: 'system-upgrade', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CONTROLLER_NAME },
      subjects,
    });
  }
}
