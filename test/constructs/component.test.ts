import { Testing } from 'cdk8s';
import { Component, defineComponent, Layer, Namespaces } from '../../constructs/component';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';
import { Platform } from '../../constructs/platform';

describe('Component', () => {
  test('GIVEN an app WHEN used THEN it is optional, lives in apps/<name> and its Kustomization is in its own entry', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const app = platform.use(defineComponent({ name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS, build: () => 42 }));
    expect(app.optional).toBe(true);
    expect(app.directory).toBe('apps/demo');
    expect(app.outputs).toBe(42);
    expect(app.kustomization.name).toBe('demo');
    expect(platform.entryFor(app).directory).toBe('cluster/optional/demo');
  });

  test('GIVEN a core component WHEN used THEN its Kustomization is in the core entry', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const core = platform.use(defineComponent({ name: 'demo', layer: Layer.CORE, namespace: Namespaces.CORE, build: () => undefined }));
    expect(core.optional).toBe(false);
    expect(platform.entryFor(core)).toBe(platform.coreEntry);
  });

  test('GIVEN a component with a generated secret WHEN used THEN its Kustomization substitutes from it', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const c = platform.use(defineComponent<GeneratedSecret>({ name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS, build: (self) => self.generatedSecret({ demo_password: { generator: Generator.PASSWORD } }) }));
    expect(c.outputs.name).toBe('stackspin-demo-variables');
    expect(c.kustomization.secrets).toEqual([c.outputs]);
  });

  test('GIVEN an app WHEN a release is added without backupSet THEN it belongs to the app\'s backup set, and backupLabels say so', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const chart = { repository: 'https://charts.example.org/', chart: 'demo', version: '1.0.0', upstream: 'test' };
    const app = platform.use(defineComponent<HelmApp[]>({
      name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS,
      build: (self) => [self.helmApp({ name: 'demo', chart }), self.helmApp({ name: 'demo-db', chart, backupSet: 'other' })],
    }));
    const labels = app.outputs.map((h) => (h.node.findChild('Resource') as any).toJson().spec.commonMetadata?.labels);
    expect(labels).toEqual([{ 'stackspin.net/backupSet': 'demo' }, { 'stackspin.net/backupSet': 'other' }]);
    expect(app.backupLabels).toEqual({ 'stackspin.net/backupSet': 'demo' });
  });

  test('GIVEN a core component WHEN its backupLabels are read THEN the fix is an explicit backupSet', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const core = platform.use(defineComponent<HelmApp>({ name: 'demo', layer: Layer.CORE, namespace: Namespaces.CORE, build: (self) => self.helmApp({ name: 'demo', chart: { repository: 'https://charts.example.org/', chart: 'demo', version: '1.0.0', upstream: 'test' } }) }));
    expect((core.outputs.node.findChild('Resource') as any).toJson().spec.commonMetadata).toBeUndefined();
    expect(() => core.backupLabels).toThrow('component demo is not an app (layer core); give its HelmApp an explicit backupSet');
  });

  test('GIVEN generatedSecret called twice WHEN built THEN the fix is to declare all keys at once', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const twice = defineComponent({ name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS, build: (self) => { self.generatedSecret({}); self.generatedSecret({}); } });
    expect(() => platform.use(twice)).toThrow('component demo: generatedSecret called twice; declare all keys in one call');
  });

  test('GIVEN a component not yet built WHEN its outputs are read THEN the fix is platform.use', () => {
    const platform = new Platform(Testing.app(), 'stackspin');
    const c = new Component(platform, defineComponent({ name: 'demo', layer: Layer.CORE, namespace: Namespaces.CORE, build: () => 1 }));
    expect(() => c.outputs).toThrow('component demo is used before it is built; reach it through platform.use(definition)');
  });
});
