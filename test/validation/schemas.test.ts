import { add, edit, fixture, problems } from './fixture';

const RELEASE = 'apps/demo/helmrelease-demo.yaml';

describe('validate: schemas', () => {
  test('GIVEN a HelmRelease on the removed v2beta1 API WHEN validated THEN the error names the served version', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.apiVersion = 'helm.toolkit.fluxcd.io/v2beta1'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: apiVersion: helm.toolkit.fluxcd.io/v2beta1 is not served by the pinned CRD (helm.toolkit.fluxcd.io_helmreleases.yaml serves helm.toolkit.fluxcd.io/v2); use a served version`,
    ]);
  });

  test('GIVEN a misspelt field in a custom resource WHEN validated THEN it is refused by field', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.intervall = '1h'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.intervall: is not a field of this kind in the schema; remove it or fix its spelling`,
    ]);
  });

  test('GIVEN a wrong enum value WHEN validated THEN the allowed values are listed', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.install.crds = 'Always'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.install.crds: must be one of "Skip", "Create", "CreateReplace"`,
    ]);
  });

  test('GIVEN a built-in object with a wrong type WHEN validated THEN kubernetes-models refuses the field', async () => {
    const f = fixture();
    edit(f, 'apps/demo/configmap-demo-values.yaml', (m) => { m.data.replicas = 3; });
    expect(await problems(f)).toEqual([
      'apps/demo/configmap-demo-values.yaml: ConfigMap stackspin-apps/demo-values: data.replicas: must be string',
    ]);
  });

  test('GIVEN a kind with no vendored schema WHEN validated THEN the fix is to vendor its CRD', async () => {
    const f = fixture();
    add(f, 'apps/demo', 'widget-w.yaml', { apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'stackspin-apps' } });
    expect(await problems(f)).toEqual([
      'apps/demo/widget-w.yaml: Widget stackspin-apps/w: apiVersion: no schema for example.org/v1 Widget; vendor its CRD into imports/crds/ (or, with a reason, add it to UNVALIDATED_KINDS in scripts/validation/schemas.ts)',
    ]);
  });

  test('GIVEN a traefik Middleware (allow-listed) WHEN validated THEN it passes unchecked', async () => {
    const f = fixture();
    add(f, 'apps/demo', 'middleware-m.yaml', { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'm', namespace: 'stackspin-apps' }, spec: { anything: 1 } });
    expect(await problems(f)).toEqual([]);
  });

  test('GIVEN a built-in kind on an apiVersion that lacks it WHEN validated THEN the serving versions are named', async () => {
    const f = fixture();
    add(f, 'apps/demo', 'deployment-d.yaml', { apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'stackspin-apps' } });
    expect(await problems(f)).toEqual([
      'apps/demo/deployment-d.yaml: Deployment stackspin-apps/d: apiVersion: v1 has no Deployment; the Kubernetes API serves it as apps/v1',
    ]);
  });

  test('GIVEN a built-in kind on a replaced beta API WHEN validated THEN the GA version is named', async () => {
    const f = fixture();
    add(f, 'apps/demo', 'cronjob-c.yaml', { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c', namespace: 'stackspin-apps' } });
    expect(await problems(f)).toEqual([
      'apps/demo/cronjob-c.yaml: CronJob stackspin-apps/c: apiVersion: batch/v1beta1 is a pre-release API that Kubernetes has replaced; use batch/v1',
    ]);
  });

  test('GIVEN a ${var:=default} in a pattern-checked field WHEN validated THEN the substituted value is checked, not the reference', async () => {
    const f = fixture();
    edit(f, 'infrastructure/sources/gitrepository-stackspin.yaml', (m) => { m.spec.url = '${stackspin_repo_url:=not-a-url}'; });
    expect(await problems(f)).toEqual([
      'infrastructure/sources/gitrepository-stackspin.yaml: GitRepository flux-system/stackspin: spec.url: must match pattern "^(http|https|ssh)://.*$"',
    ]);
  });
});
