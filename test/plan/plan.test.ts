import * as fs from 'fs';
import * as path from 'path';
import { addAppKustomization } from '../../scripts/plan/bootstrap';
import { formatPlan } from '../../scripts/plan/report';
import { planCluster, prepareTree } from '../../scripts/plan/simulate';
import { FIXTURE_INPUT, fixtureTree, planFixture, problemLines } from './fixture';

describe('plan on the fixture tree', () => {
  test('GIVEN the valid base tree WHEN planned THEN it passes and lists the waves in start order', async () => {
    const plan = await planFixture();

    expect(problemLines(plan)).toEqual([]);
    expect(formatPlan(plan)).toMatchSnapshot();
    expect(plan.schedule.startWave.get('Kustomization flux-system/issuers')).toBeGreaterThan(plan.schedule.startWave.get('HelmRelease cert-manager/cert-manager')!);
  });

  test('GIVEN the base tree WHEN planned THEN variables are substituted as Flux does (defaults, escapes, generated secrets)', async () => {
    const plan = await planFixture();

    const values = plan.objects.get('ConfigMap stackspin-apps/demo-values')!.manifest.data['values.yaml'];
    expect(values).toBe('host: demo.example.org\nadminPassword: generated0value\nreplicas: 1\nstartup: echo ${HOME}\n');
    expect(plan.objects.get('ClusterIssuer letsencrypt')!.manifest.spec.acme.email).toBe('admin@example.org');
  });

  test('GIVEN no app enabled WHEN planned THEN the app is not applied and nothing fails', async () => {
    const plan = await planFixture(undefined, { ...FIXTURE_INPUT, apps: [] });

    expect(problemLines(plan)).toEqual([]);
    expect(plan.objects.has('HelmRelease stackspin-apps/demo')).toBe(false);
  });

  test('GIVEN an enabled app the tree does not offer WHEN planned THEN its entry path is reported missing', async () => {
    const plan = await planFixture(undefined, { ...FIXTURE_INPUT, apps: ['demo', 'chat'] });

    expect(problemLines(plan)).toEqual([
      'Kustomization flux-system/add-chat: spec.path ./dist/flux2/cluster/optional/chat does not exist in the tree; fix the path or synthesize the directory',
    ]);
  });

  test('GIVEN a Namespace and a CRD in the same Kustomization as their users WHEN planned THEN that is fine, as kustomize-controller applies them first', async () => {
    const plan = await planFixture('same-kustomization');

    expect(problemLines(plan)).toEqual([]);
    expect(plan.objects.has('Widget tools/one')).toBe(true);
  });

  test('GIVEN a directory without kustomization.yaml WHEN planned THEN its manifests are applied as kustomize-controller generates one', async () => {
    const root = fixtureTree();
    fs.rmSync(path.join(root, 'apps', 'demo', 'kustomization.yaml'));

    const plan = planCluster(await prepareTree(root, 2), FIXTURE_INPUT);

    expect(problemLines(plan)).toEqual([]);
    expect(plan.objects.get('HelmRelease stackspin-apps/demo')?.applier).toBe('Kustomization flux-system/demo');
  });

  test('GIVEN install-app.sh WHEN it enables an app THEN the plan applies the same Kustomization', () => {
    expect(addAppKustomization('demo')).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'add-demo', namespace: 'flux-system' },
      spec: { interval: '1h', path: './dist/flux2/cluster/optional/demo', prune: true, sourceRef: { kind: 'GitRepository', name: 'stackspin' } },
    });
  });
});

describe('plan catches seeded mistakes', () => {
  test.each([
    ['missing-path', [
      'Kustomization flux-system/demo: spec.path ./dist/flux2/apps/demo-app does not exist in the tree; fix the path or synthesize the directory',
    ]],
    ['undefined-variable', [
      'ConfigMap stackspin-apps/demo-values: ${demo_api_key} is unresolved: no default, and not a key of what Kustomization flux-system/demo substitutes from (Secret stackspin-cluster-variables, Secret stackspin-demo-variables); set it in the cluster variables, declare it in a substituted secret, or escape a literal as $${demo_api_key}',
    ]],
    ['cr-before-crd', [
      'ClusterIssuer letsencrypt: custom resource ClusterIssuer is applied by Kustomization flux-system/issuers before HelmRelease cert-manager/cert-manager (chart cert-manager, applied by Kustomization flux-system/cert-manager) is ready; make Kustomization flux-system/issuers depend on Kustomization flux-system/cert-manager',
    ]],
    ['namespace-before-created', [
      'HelmRelease cert-manager/cert-manager: is applied by Kustomization flux-system/cert-manager in namespace cert-manager before Kustomization flux-system/namespaces creates it; make Kustomization flux-system/cert-manager depend on Kustomization flux-system/namespaces',
    ]],
    ['dependency-cycle', [
      'Kustomization flux-system/cert-manager: dependency cycle Kustomization flux-system/cert-manager -> Kustomization flux-system/issuers -> Kustomization flux-system/cert-manager; none of them can ever become ready',
      'Kustomization flux-system/demo: can never become ready: it waits for Kustomization flux-system/issuers, which can never become ready',
      // The root Kustomization waits (wait: true) for every Kustomization it applies.
      'Kustomization flux-system/stackspin: can never become ready: it waits for Kustomization flux-system/cert-manager, which can never become ready',
    ]],
    ['missing-helm-source', [
      'HelmRelease stackspin-apps/demo: can never become ready: its source HelmRepository flux-system/demo-charts is not applied by anything in this cluster',
      'Kustomization flux-system/demo: can never become ready: it waits for HelmRelease stackspin-apps/demo, which can never become ready',
    ]],
    ['missing-dependency', [
      'Kustomization flux-system/demo: can never become ready: it depends on Kustomization flux-system/monitoring, which nothing applies in this cluster',
    ]],
    ['unknown-crd', [
      'Widget cert-manager/one: Widget (example.org) is a custom resource whose CRD nothing in this cluster installs; add the CRD, or the chart that serves it to scripts/plan/crd-providers.ts',
    ]],
  ])('GIVEN the fixture %s WHEN planned THEN the plan fails naming the objects', async (mistake, expected) => {
    const plan = await planFixture(mistake);

    expect(problemLines(plan)).toEqual(expected);
    expect(formatPlan(plan)).toContain(`FAILED: ${expected.length} problem(s):`);
  });
});
