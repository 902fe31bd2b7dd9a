import { edit, fixture, problems } from './fixture';

const RELEASE = 'apps/demo/helmrelease-demo.yaml';
const GIT = 'infrastructure/sources/gitrepository-stackspin.yaml';

describe('validate: platform conventions', () => {
  test('GIVEN a HelmRelease without a chart version WHEN validated THEN it must be pinned', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { delete m.spec.chart.spec.version; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.chart.spec.version: is missing, so Flux installs the latest chart; pin the exact version in catalogue.ts`,
    ]);
  });

  test('GIVEN a HelmRelease with a version range WHEN validated THEN it must be exact', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.chart.spec.version = '>=11.0.0'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.chart.spec.version: '>=11.0.0' is not an exact version; pin one like 1.2.3 in catalogue.ts`,
    ]);
  });

  test('GIVEN spec.suspend on the stackspin GitRepository WHEN validated THEN it is refused, even when false', async () => {
    const f = fixture();
    edit(f, GIT, (m) => { m.spec.suspend = false; });
    expect(await problems(f)).toEqual([
      `${GIT}: GitRepository flux-system/stackspin: spec.suspend: must not be set: the maintenance-window CronJobs own it, and Flux would re-apply the declared value at every reconcile; remove it`,
    ]);
  });
});
