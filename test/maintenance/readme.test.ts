import * as fs from 'fs';
import * as path from 'path';
import { PLATFORM_NAME } from '../../constructs/platform';
import { find, maintenanceTree } from './maintenance';

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const start = readme.indexOf('\n## Maintenance windows\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

describe('README: Maintenance windows', () => {
  test('GIVEN the README WHEN read THEN it has the section with the override commands of the upgrade documents', () => {
    expect(readme).toContain('\n## Maintenance windows\n');
    for (const command of [
      `flux resume source git ${PLATFORM_NAME}`,
      `flux suspend source git ${PLATFORM_NAME}`,
      'kubectl -n system-upgrade create job --from=cronjob/system-upgrade-controller-scale-up system-upgrade-controller-up',
      'kubectl -n system-upgrade create job --from=cronjob/system-upgrade-controller-scale-down system-upgrade-controller-down',
    ]) expect(section).toContain(command);
  });

  test('GIVEN every CronJob, Plan and variable the section names WHEN looked up THEN it exists under that name', () => {
    for (const m of section.matchAll(/-n (\S+) create job --from=cronjob\/(\S+)/g)) {
      expect(find('CronJob', m[2]).metadata.namespace).toBe(m[1]);
    }
    for (const name of ['flux-maintenance-window-resume', 'flux-maintenance-window-suspend']) {
      expect(section).toContain(`\`${name}\``);
      expect(find('CronJob', name).metadata.namespace).toBe('flux-system');
    }
    expect(section).toContain('patch plan k3s-server');
    expect(find('Plan', 'k3s-server').metadata.namespace).toBe('system-upgrade');
    expect(maintenanceTree().has('cluster/core/kustomization-k3s-upgrade.yaml')).toBe(true);
  });
});
