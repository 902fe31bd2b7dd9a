import * as fs from 'fs';
import { imageRef } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { SUBSTITUTE_ANNOTATION } from '../../constructs/tree-writer';
import { PLAN_CRD_FILE } from '../../infrastructure/system-upgrade-controller/plan-crd';
import { componentFiles } from '../tree';
import { find, maintenanceTree, podOf, scriptOf } from './maintenance';
import { parseYaml } from '../yaml';

describe('system-upgrade-controller', () => {
  test('GIVEN the platform WHEN synthesized THEN the component files match the snapshot', () => {
    expect(componentFiles('system-upgrade-controller', maintenanceTree())).toMatchSnapshot();
  });

  test('GIVEN the Deployment WHEN read THEN it declares no replicas, so Flux never undoes what the window CronJobs scale', () => {
    const deployment = find('Deployment', 'system-upgrade-controller');
    expect(deployment.metadata.namespace).toBe('system-upgrade');
    expect('replicas' in deployment.spec).toBe(false);
  });

  test('GIVEN the Deployment WHEN its container is read THEN it runs the catalogue image, non-root, read-only, with limits', () => {
    const [c] = find('Deployment', 'system-upgrade-controller').spec.template.spec.containers;
    expect({ image: c.image, runAsNonRoot: c.securityContext.runAsNonRoot, readOnly: c.securityContext.readOnlyRootFilesystem, limits: Object.keys(c.resources.limits).sort() })
      .toEqual({ image: imageRef('systemUpgradeController'), runAsNonRoot: true, readOnly: true, limits: ['cpu', 'memory'] });
  });

  test('GIVEN the controller settings WHEN read THEN the kubectl image of the upgrade Jobs is the catalogue one', () => {
    expect(find('ConfigMap', 'default-controller-env').data.SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE).toBe(imageRef('rancherKubectl'));
  });

  test('GIVEN the Plan CRD WHEN read THEN it is the vendored upstream file, unchanged, and Flux does not substitute in it', () => {
    const crd = find('CustomResourceDefinition', 'plans.upgrade.cattle.io');
    const vendored = parseYaml(fs.readFileSync(PLAN_CRD_FILE, 'utf8'));
    expect(crd.spec).toEqual(vendored.spec);
    expect(crd.metadata.annotations[SUBSTITUTE_ANNOTATION]).toBe('disabled');
  });

  test.each([
    ['system-upgrade-controller-scale-up', vars.k3s_window_start_hour, 1],
    ['system-upgrade-controller-scale-down', vars.k3s_window_end_hour, 0],
  ])('GIVEN the documented CronJob %s WHEN read THEN it runs at %s and scales the controller Deployment to %s', (name, hour, replicas) => {
    const job = find('CronJob', name);
    expect(job.metadata.namespace).toBe('system-upgrade');
    expect(job.spec.schedule).toBe(`0 ${hour} * * *`);
    expect(podOf(job).serviceAccountName).toBe('system-upgrade-controller-scaler');
    expect(scriptOf(job)).toContain('patch deployments.apps/system-upgrade-controller --subresource scale --type merge');
    expect(scriptOf(job)).toContain(`--patch '{"spec":{"replicas":${replicas}}}'`);
  });

  test('GIVEN the defaults WHEN read THEN the k3s window is 01:00 to 02:00, as the documents say', () => {
    expect([vars.k3s_window_start_hour, vars.k3s_window_end_hour]).toEqual(['${k3s_window_start_hour:=1}', '${k3s_window_end_hour:=2}']);
  });
});
