import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkName } from '../../constructs/flux-source';

/** The one object a maintenance-window job changes, as RBAC and kubectl name it. */
export interface WindowTarget {
  /** API group of the kind, e.g. `source.toolkit.fluxcd.io` (`''` for the core group). */
  readonly apiGroup: string;
  /** Plural resource name, e.g. `gitrepositories`. */
  readonly resource: string;
  /** Subresource the job patches and reads, e.g. `scale`. @default the object itself */
  readonly subresource?: string;
  readonly namespace: string;
  readonly name: string;
}

/** The verbs a window job needs: patch the target, then read it back to verify. */
export const WINDOW_VERBS: readonly string[] = ['get', 'patch'];

export interface WindowAccessProps {
  /** Name of the ServiceAccount, Role and RoleBinding. */
  readonly name: string;
  readonly target: WindowTarget;
}

/**
 * A ServiceAccount whose only permission is get and patch on one named object in its own
 * namespace (a Role, never a ClusterRole), for the CronJobs that open and close a maintenance
 * window. The Role is derived from the target, so it grants exactly what the jobs do.
 */
export class WindowAccess extends Construct {
  public readonly serviceAccountName: string;
  public readonly namespace: string;
  public readonly target: WindowTarget;

  constructor(scope: Construct, id: string, props: WindowAccessProps) {
    super(scope, id);
    this.serviceAccountName = checkName('WindowAccess name', props.name);
    this.target = props.target;
    this.namespace = checkName(`WindowAccess ${props.name} target namespace`, props.target.namespace);
    checkName(`WindowAccess ${props.name} target name`, props.target.name);
    if (!/^[a-z]+$/.test(props.target.resource) || !/^[a-z]*$/.test(props.target.subresource ?? '')) {
      throw new Error(`WindowAccess ${props.name}: resource '${props.target.resource}' must be one plural resource name like 'gitrepositories' (no wildcard, no list)`);
    }
    const metadata = { name: this.serviceAccountName, namespace: this.namespace };
    const subresource = props.target.subresource ? `/${props.target.subresource}` : '';

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [{
        apiGroups: [props.target.apiGroup],
        resources: [`${props.target.resource}${subresource}`],
        resourceNames: [props.target.name],
        verbs: [...WINDOW_VERBS],
      }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.serviceAccountName },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }],
    });
  }
}
