import { Duration } from 'cdk8s';
import { FluxKustomization } from '../../constructs/flux-kustomization';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { TreeChart } from '../../constructs/tree-chart';
import { manifest, scope } from './harness';

const HEALTH = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'stackspin' };

describe('FluxKustomization', () => {
  test('GIVEN wait: true and healthChecks WHEN constructed THEN it is refused with the fix', () => {
    const { chart, source } = scope();
    expect(() => new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, wait: true, healthChecks: [HEALTH] }))
      .toThrow('FluxKustomization demo: wait: true with healthChecks: Flux ignores healthChecks when wait is true; drop wait or the healthChecks');
  });

  test('GIVEN healthChecks and no wait WHEN rendered THEN wait is false and the checks are listed', () => {
    const { chart, source } = scope();
    const k = new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, healthChecks: [HEALTH] });
    expect(manifest(k).spec).toMatchObject({ wait: false, healthChecks: [HEALTH] });
  });

  test('GIVEN a target chart WHEN rendered THEN the path is derived from its directory', () => {
    const { app, chart, source } = scope();
    const target = new TreeChart(app, 'Target', { directory: 'core/single-sign-on' });
    const k = new FluxKustomization(chart, 'k', { name: 'demo', source, target });
    expect(manifest(k).spec.path).toBe('./dist/flux2/core/single-sign-on');
  });

  test('GIVEN dependencies in any order, one twice WHEN rendered THEN dependsOn lists each once, sorted by name', () => {
    const { chart, source } = scope();
    const [c, a, b] = ['c', 'a', 'b'].map((n) => new FluxKustomization(chart, n, { name: n, source, target: chart }));
    const k = new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, dependsOn: [c, a, b, a] });
    expect(manifest(k).spec.dependsOn).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  });

  test('GIVEN generated secrets WHEN rendered THEN it substitutes from the cluster variables first, then the secrets', () => {
    const { chart, source } = scope();
    const secret = new GeneratedSecret(chart, 's', { name: 'stackspin-demo-variables', keys: { demo_password: { generator: Generator.PASSWORD } } });
    const k = new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, secrets: [secret] });
    expect(manifest(k).spec.postBuild.substituteFrom).toEqual([
      { kind: 'Secret', name: 'stackspin-cluster-variables' },
      { kind: 'Secret', name: 'stackspin-demo-variables' },
    ]);
  });

  test('GIVEN secrets with substitute: false WHEN constructed THEN it is refused', () => {
    const { chart, source } = scope();
    const secret = new GeneratedSecret(chart, 's', { name: 'stackspin-demo-variables', keys: {} });
    expect(() => new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, substitute: false, secrets: [secret] }))
      .toThrow('FluxKustomization demo: secrets given with substitute: false; enable substitution or drop the secrets');
  });

  test('GIVEN no options WHEN rendered THEN the defaults are 1h, 2m, 10m, prune and wait, without dependsOn', () => {
    const { chart, source } = scope();
    const spec = manifest(new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, timeout: Duration.minutes(15) })).spec;
    expect(spec).toMatchObject({ interval: '1h', retryInterval: '2m', timeout: '15m', prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'stackspin', namespace: 'flux-system' } });
    expect(spec.dependsOn).toBeUndefined();
  });

  test('GIVEN an invalid name WHEN constructed THEN the message names the prop and the fix', () => {
    const { chart, source } = scope();
    expect(() => new FluxKustomization(chart, 'k', { name: 'Demo_App', source, target: chart }))
      .toThrow("FluxKustomization name: 'Demo_App' is not a valid object name; use lower-case letters, digits and '-' (at most 63)");
  });
});
