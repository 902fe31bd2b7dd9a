import { vars } from '../../constructs/cluster-variables';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { PLATFORM_NAME } from '../../constructs/platform';
import { componentFiles, fullTree, ofKind } from '../tree';
import { find, maintenanceTree, scriptOf } from './maintenance';

describe('flux-maintenance-window', () => {
  test('GIVEN the platform WHEN synthesized THEN the component files match the snapshot', () => {
    expect(componentFiles('flux-maintenance-window', maintenanceTree())).toMatchSnapshot();
  });

  test('GIVEN the resume CronJob WHEN read THEN it runs at flux_window_start_hour and sets spec.suspend false on the platform GitRepository', () => {
    const job = find('CronJob', 'flux-maintenance-window-resume');
    expect(job.metadata.namespace).toBe(FLUX_NAMESPACE);
    expect(job.spec.schedule).toBe(`0 ${vars.flux_window_start_hour} * * *`);
    expect(scriptOf(job)).toContain(`kubectl --namespace ${FLUX_NAMESPACE} patch gitrepositories.source.toolkit.fluxcd.io/${PLATFORM_NAME} --type merge`);
    expect(scriptOf(job)).toContain(`--patch '{"spec":{"suspend":false}}'`);
  });

  test('GIVEN the suspend CronJob WHEN read THEN it runs at flux_window_end_hour and sets spec.suspend true on the platform GitRepository', () => {
    const job = find('CronJob', 'flux-maintenance-window-suspend');
    expect(job.spec.schedule).toBe(`0 ${vars.flux_window_end_hour} * * *`);
    expect(scriptOf(job)).toContain(`patch gitrepositories.source.toolkit.fluxcd.io/${PLATFORM_NAME} --type merge`);
    expect(scriptOf(job)).toContain(`--patch '{"spec":{"suspend":true}}'`);
  });

  test('GIVEN the defaults WHEN read THEN the window is 02:00 to 04:00, as the documents say', () => {
    expect([vars.flux_window_start_hour, vars.flux_window_end_hour]).toEqual(['${flux_window_start_hour:=2}', '${flux_window_end_hour:=4}']);
  });

  test('GIVEN the whole tree WHEN every GitRepository is read THEN none declares spec.suspend (Flux would take it back from the jobs and operators)', () => {
    const repositories = ofKind('GitRepository', fullTree());
    expect(repositories.map((r) => r.manifest.metadata.name)).toContain(PLATFORM_NAME);
    for (const repo of repositories) {
      expect({ repo: repo.file, suspend: 'suspend' in repo.manifest.spec }).toEqual({ repo: repo.file, suspend: false });
    }
  });
});
