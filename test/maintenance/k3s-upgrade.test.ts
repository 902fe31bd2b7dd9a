import { releases } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { K3S_UPGRADE_IMAGE } from '../../infrastructure/system-upgrade-controller/k3s-upgrade';
import { componentFiles, objects } from '../tree';
import { find, isPlanTime, maintenanceTree, SAMPLES, substitute } from './maintenance';

describe('k3s-upgrade', () => {
  const plan = find('Plan', 'k3s-server');

  test('GIVEN the platform WHEN synthesized THEN the component files match the snapshot', () => {
    expect(componentFiles('k3s-upgrade', maintenanceTree())).toMatchSnapshot();
  });

  test('GIVEN the Plan WHEN read THEN it pins the catalogue k3s version, one node at a time, cordoned and not drained', () => {
    expect({ version: plan.spec.version, channel: plan.spec.channel, concurrency: plan.spec.concurrency, cordon: plan.spec.cordon, drain: plan.spec.drain, image: plan.spec.upgrade.image })
      .toEqual({ version: releases.k3s.version, channel: undefined, concurrency: 1, cordon: true, drain: undefined, image: K3S_UPGRADE_IMAGE });
  });

  test('GIVEN the Plan WHEN its window is read THEN it is the k3s window on every day, in the maintenance time zone', () => {
    expect(plan.spec.window).toEqual({
      days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
      startTime: `${vars.k3s_window_start_hour}:00`,
      endTime: `${vars.k3s_window_end_hour}:00`,
      timeZone: vars.maintenance_time_zone,
    });
  });

  test.each(SAMPLES)('GIVEN cluster variables ($name) WHEN Flux substitutes the Plan THEN its window times parse as 15:04 (kured timewindow) and stay strings', ({ values }) => {
    const substituted = substitute(maintenanceTree().get('infrastructure/k3s-upgrade/plan-k3s-server.yaml')!, values);
    expect({ start: isPlanTime(substituted.spec.window.startTime), end: isPlanTime(substituted.spec.window.endTime) }).toEqual({ start: true, end: true });
    expect(Number(substituted.spec.window.startTime.split(':')[0])).toBe(Number(values.k3s_window_start_hour ?? 1));
  });

  test('GIVEN the Plan WHEN its account is read THEN it is the controller ServiceAccount in the controller component', () => {
    expect(plan.spec.serviceAccountName).toBe(find('ServiceAccount', 'system-upgrade').metadata.name);
    expect(plan.metadata.namespace).toBe('system-upgrade');
  });

  test('GIVEN the k3s-upgrade Kustomization WHEN read THEN it waits for the controller (the Plan CRD comes first)', () => {
    const kustomization = objects(maintenanceTree()).find((o) => o.file === 'cluster/core/kustomization-k3s-upgrade.yaml')!.manifest;
    expect(kustomization.spec.dependsOn).toContainEqual({ name: 'system-upgrade-controller' });
  });
});
