import { Testing } from 'cdk8s';
import { charts } from '../../catalogue';
import { backingService, BackingServiceKind, BackingServiceProps } from '../../constructs/backing-service';
import { Component, ComponentDefinition, defineComponent, Layer, Namespaces } from '../../constructs/component';
import { HelmApp } from '../../constructs/helm-app';
import { Platform } from '../../constructs/platform';
import { parseYaml } from '../yaml';

const RESOURCES = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

function inComponent(layer: Layer, build: (c: Component<any>) => HelmApp): HelmApp {
  const definition: ComponentDefinition<HelmApp> = { name: 'demo', layer, namespace: Namespaces.APPS, build };
  return new Platform(Testing.app(), 'stackspin').use(defineComponent(definition)).outputs;
}

function values(app: HelmApp): any {
  return parseYaml((app.node.findChild('Values') as any).toJson().data['values.yaml']);
}

const service = (props: Partial<BackingServiceProps> = {}, layer = Layer.APP): HelmApp => inComponent(layer, (c) => backingService(c, {
  name: 'demo-postgres', kind: BackingServiceKind.POSTGRES, resources: RESOURCES, ...props,
}));

describe('backingService', () => {
  test('GIVEN a database of an app WHEN built THEN it is named after the release, pulls only when missing, and its volume is in the app\'s backup set', () => {
    const app = service({ storage: '8Gi', values: { auth: { database: 'demo' }, image: { tag: '1' } } });
    expect(app.chart).toBe(charts.postgres);
    expect(values(app)).toEqual({
      fullnameOverride: 'demo-postgres',
      image: { imagePullPolicy: 'IfNotPresent', tag: '1' },
      persistence: { size: '8Gi', labels: { 'stackspin.net/backupSet': 'demo' } },
      resources: RESOURCES,
      auth: { database: 'demo' },
    });
    expect((app.node.findChild('Resource') as any).toJson().spec.commonMetadata.labels).toEqual({ 'stackspin.net/backupSet': 'demo' });
  });

  test('GIVEN a cache WHEN built without storage THEN it has no volume', () => {
    expect(values(service({ kind: BackingServiceKind.VALKEY })).persistence).toEqual({ enabled: false });
  });

  test('GIVEN memcached WHEN built THEN the chart\'s own pull policy key is used and no persistence is set', () => {
    const v = values(service({ kind: BackingServiceKind.MEMCACHED }));
    expect(v.image).toEqual({ pullPolicy: 'IfNotPresent' });
    expect(v.persistence).toBeUndefined();
  });

  test('GIVEN storage for memcached WHEN built THEN it is refused: that chart keeps nothing on disk', () => {
    expect(() => service({ kind: BackingServiceKind.MEMCACHED, storage: '1Gi' }))
      .toThrow("backingService demo-postgres: storage '1Gi' given, but the memcached chart keeps nothing on disk; drop storage");
  });

  test('GIVEN a volume outside an app and no backupSet WHEN built THEN it is refused: restores could not find its data', () => {
    expect(() => service({ storage: '1Gi' }, Layer.CORE))
      .toThrow("backingService demo-postgres: a volume (storage '1Gi') outside an app needs a backupSet; give one so restores find its data");
    expect(values(service({ storage: '1Gi', backupSet: 'core-data' }, Layer.CORE)).persistence.labels).toEqual({ 'stackspin.net/backupSet': 'core-data' });
  });
});
