import { HelmRepository } from '../../constructs/helm-repository';
import { manifest, scope } from './harness';

describe('HelmRepository', () => {
  test('GIVEN an oci:// url WHEN rendered THEN the type is oci', () => {
    const { chart } = scope();
    expect(manifest(new HelmRepository(chart, 'R', { name: 'zulip', url: 'oci://ghcr.io/zulip/helm-charts' })).spec)
      .toEqual({ interval: '1h', url: 'oci://ghcr.io/zulip/helm-charts', type: 'oci' });
  });

  test('GIVEN an https:// index WHEN rendered THEN no type is written', () => {
    const { chart } = scope();
    expect(manifest(new HelmRepository(chart, 'R', { name: 'wekan', url: 'https://wekan.github.io/charts/' })).spec).not.toHaveProperty('type');
  });

  test('GIVEN a plain http url WHEN constructed THEN it is refused naming the schemes', () => {
    const { chart } = scope();
    expect(() => new HelmRepository(chart, 'R', { name: 'x', url: 'http://charts.example.org' }))
      .toThrow("HelmRepository x: url 'http://charts.example.org' must start with https:// (chart index) or oci:// (registry)");
  });
});
