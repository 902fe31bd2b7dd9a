import { ChartEntry } from '../../catalogue';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { HelmApp, HelmAppProps } from '../../constructs/helm-app';
import { HelmRepository } from '../../constructs/helm-repository';
import { manifest, scope } from './harness';

const CHART: ChartEntry = { repository: 'https://charts.example.org', chart: 'demo', version: '1.2.3', upstream: 'test' };

function helmApp(props: Partial<HelmAppProps> = {}): HelmApp {
  const { chart } = scope();
  const source = new HelmRepository(chart, 'Repo', { name: 'example', url: (props.chart ?? CHART).repository });
  return new HelmApp(chart, 'App', { name: 'demo', namespace: 'stackspin-apps', chart: CHART, source, ...props });
}

describe('HelmApp', () => {
  test('GIVEN a backupSet WHEN rendered THEN top-level objects and the pod template of every workload kind are labelled, after the app\'s own patches', () => {
    const own = { kustomize: { patches: [{ target: { kind: 'StatefulSet', name: 'db' }, patch: '[]' }] } };
    const spec = manifest(helmApp({ backupSet: 'demo', postRenderers: [own] })).spec;
    expect(spec.commonMetadata).toEqual({ labels: { 'stackspin.net/backupSet': 'demo' } });
    expect(spec.postRenderers[0]).toEqual(own);
    const patches = spec.postRenderers[1].kustomize.patches;
    expect(patches.map((p: any) => p.target.kind)).toEqual(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
    const cronJob = JSON.parse(patches[4].patch);
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toEqual({ 'stackspin.net/backupSet': 'demo' });
    expect(JSON.parse(patches[0].patch).spec.template.metadata.labels).toEqual({ 'stackspin.net/backupSet': 'demo' });
  });

  test('GIVEN no backupSet WHEN rendered THEN nothing is labelled or post-rendered', () => {
    const spec = manifest(helmApp()).spec;
    expect([spec.commonMetadata, spec.postRenderers]).toEqual([undefined, undefined]);
  });

  test.each(['^1.2.0', '1.x', '*', 'latest', '1.2'])('GIVEN chart version %s WHEN constructed THEN an exact version is asked for', (version) => {
    expect(() => helmApp({ chart: { ...CHART, version } }))
      .toThrow(`HelmApp demo: chart version '${version}' is not an exact version; pin one like 1.2.3 in catalogue.ts`);
  });

  test.each(['11.07.0', 'v1.21.1', '1.2.3-rc.1'])('GIVEN exact chart version %s WHEN rendered THEN it is pinned as given', (version) => {
    expect(manifest(helmApp({ chart: { ...CHART, version } })).spec.chart.spec.version).toBe(version);
  });

  test('GIVEN a plain string in secretValues WHEN constructed THEN it is refused as not a reference, without echoing it', () => {
    const build = (): unknown => helmApp({ secretValues: { auth: { password: 'hunter2-is-a-secret' } } });
    expect(build).toThrow("HelmApp demo: secretValues.auth.password is a literal string, not a reference; secretValues may only hold references like secret.ref('key') (the literal is not shown: it may be a secret)");
    expect(build).not.toThrow(/hunter2/);
  });

  test('GIVEN a number in secretValues WHEN constructed THEN plain values are pointed to values', () => {
    expect(() => helmApp({ secretValues: { port: 5432 } }))
      .toThrow('HelmApp demo: secretValues.port is 5432, not a reference; put plain values in values');
  });

  test('GIVEN a source for another repository WHEN constructed THEN the mismatch is named', () => {
    const { chart } = scope();
    const source = new HelmRepository(chart, 'Repo', { name: 'other', url: 'https://other.example.org' });
    expect(() => new HelmApp(chart, 'App', { name: 'demo', namespace: 'ns', chart: CHART, source }))
      .toThrow("HelmApp demo: source other serves https://other.example.org, not the chart's repository https://charts.example.org");
  });

  test('GIVEN values and secret values WHEN rendered THEN valuesFrom is values, secret values, override ConfigMap, override Secret', () => {
    const { chart } = scope();
    const secret = new GeneratedSecret(chart, 'S', { name: 'stackspin-demo-variables', keys: { demo_password: { generator: Generator.PASSWORD } } });
    const app = helmApp({ values: { a: 1 }, secretValues: { password: secret.ref('demo_password') } });
    expect(manifest(app).spec.valuesFrom).toEqual([
      { kind: 'ConfigMap', name: 'demo-values' },
      { kind: 'Secret', name: 'demo-secret-values' },
      { kind: 'ConfigMap', name: 'stackspin-demo-override', optional: true },
      { kind: 'Secret', name: 'stackspin-demo-override', optional: true },
    ]);
    expect(manifest(app, 'SecretValues').stringData['values.yaml']).toBe('password: "${demo_password}"\n');
    expect(manifest(app, 'Values').data['values.yaml']).toBe('a: 1\n');
  });

  test('GIVEN overrides: false and no secret values WHEN rendered THEN only the values ConfigMap is read', () => {
    expect(manifest(helmApp({ overrides: false })).spec.valuesFrom).toEqual([{ kind: 'ConfigMap', name: 'demo-values' }]);
  });

  test('GIVEN any app WHEN rendered THEN installs and upgrades retry forever and drift is corrected', () => {
    const spec = manifest(helmApp()).spec;
    expect(spec.install.remediation).toEqual({ retries: -1 });
    expect(spec.upgrade.remediation).toEqual({ retries: -1, remediateLastFailure: true });
    expect(spec.driftDetection).toEqual({ mode: 'enabled' });
  });

  test('GIVEN a backupSet WHEN rendered THEN every rendered object carries the backupSet label', () => {
    expect(manifest(helmApp({ backupSet: 'demo' })).spec.commonMetadata).toEqual({ labels: { 'stackspin.net/backupSet': 'demo' } });
    expect(manifest(helmApp()).spec.commonMetadata).toBeUndefined();
  });

  test('GIVEN the app WHEN rendered THEN the release is named after the app and its chart comes from the source', () => {
    const m = manifest(helmApp());
    expect(m.metadata).toEqual({ name: 'demo', namespace: 'stackspin-apps' });
    expect(m.spec.chart.spec).toMatchObject({ chart: 'demo', sourceRef: { kind: 'HelmRepository', name: 'example', namespace: 'flux-system' } });
  });
});
