import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { vars } from '../../constructs/cluster-variables';
import { WindowAccess } from '../maintenance-window/window-access';
import { WindowEdge, WindowJob } from '../maintenance-window/window-job';
import { SystemUpgradeController } from './controller';
import { PlanCrd } from './plan-crd';

/** What the k3s upgrade Plan needs from the controller component. */
export interface SystemUpgradeControllerOutputs {
  readonly namespace: string;
  /** The account upgrade Jobs run as (cluster-wide node and drain permissions). */
  readonly serviceAccountName: string;
}

/**
 * The system-upgrade-controller, with the Plan CRD and its maintenance window: the CronJobs
 * `system-upgrade-controller-scale-up` (at `k3s_window_start_hour`) and
 * `system-upgrade-controller-scale-down` (at `k3s_window_end_hour`) scale its Deployment to 1 and
 * 0. Operators run them by hand with
 * `kubectl -n system-upgrade create job --from=cronjob/system-upgrade-controller-scale-up system-upgrade-controller-up`.
 */
export const systemUpgradeController = defineComponent<SystemUpgradeControllerOutputs>({
  name: 'system-upgrade-controller',
  layer: Layer.INFRASTRUCTURE,
  namespace: Namespaces.SYSTEM_UPGRADE,
  build(component) {
    new PlanCrd(component, 'PlanCrd');
    const controller = new SystemUpgradeController(component, 'Controller', { namespace: component.namespace });
    const access = new WindowAccess(component, 'Access', {
      name: `${controller.deploymentName}-scaler`,
      target: { apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: controller.namespace, name: controller.deploymentName },
    });
    const job = (edge: WindowEdge, action: string, hour: string, replicas: number): WindowJob =>
      new WindowJob(component, action, {
        name: `${controller.deploymentName}-${action}`,
        edge,
        access,
        hour,
        timeZone: vars.maintenance_time_zone,
        patch: { spec: { replicas } },
        expect: { jsonPath: '{.spec.replicas}', value: String(replicas) },
      });
    job(WindowEdge.OPEN, 'scale-up', vars.k3s_window_start_hour, 1);
    job(WindowEdge.CLOSE, 'scale-down', vars.k3s_window_end_hour, 0);
    return { namespace: controller.namespace, serviceAccountName: controller.serviceAccountName };
  },
});
