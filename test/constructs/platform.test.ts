import { Testing } from 'cdk8s';
import { charts } from '../../catalogue';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Platform, repositoryName } from '../../constructs/platform';

const component = (name: string, dependsOn: any[] = []) => defineComponent({ name, layer: Layer.CORE, namespace: Namespaces.CORE, dependsOn, build: () => undefined });

describe('Platform', () => {
  test.each([
    ['oci://ghcr.io/zulip/helm-charts', 'zulip'],
    ['oci://quay.io/jetstack/charts', 'jetstack'],
    ['https://traefik.github.io/charts', 'traefik'],
    ['https://k8s.ory.com/helm/charts', 'ory'],
    ['https://nextcloud.github.io/helm/', 'nextcloud'],
    ['oci://ghcr.io/cloudpirates-io/helm-charts', 'cloudpirates-io'],
    ['https://charts.example.org', 'example'],
  ])('GIVEN repository %s WHEN named THEN it is %s', (url, name) => {
    expect(repositoryName(url)).toBe(name);
  });

  test('GIVEN components that depend on each other in a cycle WHEN used THEN the cycle is named in order', () => {
    const a: any = component('a');
    const b = component('b', [a]);
    const c = component('c', [b]);
    a.dependsOn = [c];
    const platform = new Platform(Testing.app(), 'stackspin');
    expect(() => platform.use(a)).toThrow('dependency cycle between components: a -> c -> b -> a; remove one of these dependsOn');
  });

  test('GIVEN two charts from one repository WHEN their sources are asked for THEN one HelmRepository serves both', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    expect(platform.helmRepository(charts.kratos)).toBe(platform.helmRepository(charts.hydra));
  });

  test('GIVEN a component WHEN used THEN its Kustomization depends on sources and namespaces plus its own dependencies', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const base = component('base');
    const top = platform.use(component('top', [base]));
    expect(top.kustomization.dependencies.map((d) => d.name)).toEqual(['sources', 'namespaces', 'base']);
    expect(platform.use(base)).toBe(platform.all[0]);
  });

  test('GIVEN a finished platform WHEN a new component is used THEN it is refused', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    platform.finish();
    expect(() => platform.use(component('late'))).toThrow('component late is used after the platform was finished');
  });
});
