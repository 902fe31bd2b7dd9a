import { releases } from '../../catalogue';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { vars } from '../../constructs/cluster-variables';
import { Plan, PlanSpecNodeSelectorMatchExpressions, PlanSpecWindowDays } from '../../imports/upgrade-plan-upgrade.cattle.io';
import { systemUpgradeController } from './index';

/** k3s's upgrade image; the controller tags it with the Plan's version (`+` becomes `-`). */
export const K3S_UPGRADE_IMAGE = 'docker.io/rancher/k3s-upgrade';

/** Every day of the week: an empty `days` list would make the Plan's window never open. */
const EVERY_DAY = [
  PlanSpecWindowDays.MONDAY, PlanSpecWindowDays.TUESDAY, PlanSpecWindowDays.WEDNESDAY, PlanSpecWindowDays.THURSDAY,
  PlanSpecWindowDays.FRIDAY, PlanSpecWindowDays.SATURDAY, PlanSpecWindowDays.SUNDAY,
];

/**
 * The k3s server upgrade Plan. The version is pinned from the catalogue (`releases.k3s`, the one
 * bootstrap installs), not a channel: upgrades reach clusters only as reviewed version bumps, and
 * a node is never upgraded past what the tree was tested with (a channel would also follow minor
 * releases on its own). One node at a time, cordoned (not drained: on a single node a drain would
 * evict every app). Its own window repeats the scale-up/scale-down hours as a second guard, for
 * when the controller runs outside them (first install, manual scale-up, a missed scale-down).
 */
export const k3sUpgrade = defineComponent({
  name: 'k3s-upgrade',
  layer: Layer.INFRASTRUCTURE,
  namespace: Namespaces.SYSTEM_UPGRADE,
  // The Plan CRD comes with the controller; the Plan cannot apply before it.
  dependsOn: [systemUpgradeController],
  build(component) {
    const controller = component.platform.use(systemUpgradeController).outputs;
    const controlPlane: PlanSpecNodeSelectorMatchExpressions = { key: 'node-role.kubernetes.io/control-plane', operator: 'In', values: ['true'] };
    new Plan(component, 'ServerPlan', {
      metadata: { name: 'k3s-server', namespace: controller.namespace, labels: { 'k3s-upgrade': 'server' } },
      spec: {
        version: releases.k3s.version,
        concurrency: 1,
        cordon: true,
        nodeSelector: { matchExpressions: [controlPlane] },
        serviceAccountName: controller.serviceAccountName,
        tolerations: [
          { key: 'CriticalAddonsOnly', operator: 'Exists' },
          { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
        ],
        upgrade: { image: K3S_UPGRADE_IMAGE },
        window: {
          days: EVERY_DAY,
          startTime: `${vars.k3s_window_start_hour}:00`,
          endTime: `${vars.k3s_window_end_hour}:00`,
          timeZone: vars.maintenance_time_zone,
        },
      },
    });
  },
});
