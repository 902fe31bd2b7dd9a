import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Testing } from 'cdk8s';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { generatedSecretName, MONITORING, Platform } from '../../constructs/platform';
import { renderTree } from '../../constructs/tree-writer';
import { buildApp, discoverComponents } from '../../main';

/**
 * What synth refuses by name before anything is written: a component that would take a platform
 * object's name or another component's, two components writing one object, and any error inside
 * a component, which is named with its file.
 */
const PROJECT = path.join(__dirname, '..', '..');
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});
const app = (name: string, build: Parameters<typeof defineComponent>[0]['build'] = () => undefined) =>
  defineComponent({ name, layer: Layer.APP, namespace: Namespaces.APPS, build });

describe('platform: names', () => {
  test.each([
    ['stackspin', 'the root Kustomization and the GitRepository every cluster follows are named stackspin'],
    ['sources', 'the Kustomization of the chart sources is named sources'],
    ['namespaces', 'the Kustomization of the namespaces is named namespaces'],
    ['flux-system', "flux-system is Flux's own name (flux bootstrap names its Kustomization so)"],
    ['add-wekan', 'install-app.sh names the Kustomization that enables an app add-<app>'],
    ['cluster', 'its generated secret would be stackspin-cluster-variables, the Secret of the cluster variables'],
    ['monitoring', 'install-app.sh monitoring answers that monitoring is part of the core (the documents install it as an app), so an app of that name could never be installed'],
    ['grafana', "it is the backup set of Grafana's dashboards and users, in kube-prometheus-stack, so restore-app.sh grafana would restore both"],
  ])('GIVEN an app named %s WHEN used THEN it is refused by name: %s', (name, reason) => {
    const platform = new Platform(Testing.app(), 'stackspin');
    expect(() => platform.use(app(name))).toThrow(`component ${name}: the name '${name}' is reserved: ${reason}; rename the component`);
    expect(platform.all).toEqual([]);
  });

  test('GIVEN install-app.sh WHEN it meets the reserved name monitoring THEN it answers with the core, the reason the name is reserved', () => {
    expect(fs.readFileSync(path.join(PROJECT, 'scripts', 'install-app.sh'), 'utf8')).toContain(`if [[ $app == ${MONITORING} ]]; then`);
  });

  test('GIVEN an app named stackspin among the real components WHEN synthesized THEN synth refuses it, not as a cycle', () => {
    expect(() => renderTree(buildApp([...discoverComponents(), app('stackspin')]))).toThrow(/^component stackspin: the name 'stackspin' is reserved/);
  });

  test('GIVEN a second definition named like a real component WHEN synthesized THEN both are named, with the file of the real one', () => {
    expect(() => buildApp([...discoverComponents(), app('wekan')]))
      .toThrow('component wekan and component wekan (apps/wekan.ts) have the same name; names must be unique (they name Kustomizations and directories), rename one');
  });

  test('GIVEN every generated secret of the platform WHEN named THEN it is generatedSecretName of its component, which the reserved names rely on', () => {
    const secrets = GeneratedSecret.all(buildApp());
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(secret.name).toBe(generatedSecretName(secret.node.scope!.node.id));
  });
});

describe('platform: one writer per object', () => {
  test('GIVEN a second component that also creates ConfigMap stackspin-apps/wekan-values WHEN synthesized THEN it is refused naming both components', () => {
    const intruder = app('intruder', (component) => {
      new ApiObject(component, 'copy', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wekan-values', namespace: Namespaces.APPS } });
    });
    expect(() => renderTree(buildApp([...discoverComponents(), intruder])))
      .toThrow('ConfigMap stackspin-apps/wekan-values is created by both component wekan (apps/wekan) and component intruder (apps/intruder); one would overwrite the other in the cluster: keep it in one of them');
  });

  test('GIVEN a component that creates a platform object WHEN synthesized THEN the platform directory is named', () => {
    const shadow = app('shadow', (component) => {
      new ApiObject(component, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: Namespaces.APPS } });
    });
    expect(() => renderTree(buildApp([...discoverComponents(), shadow])))
      .toThrow("Namespace stackspin-apps is created by both the platform's infrastructure/namespaces and component shadow (apps/shadow)");
  });
});

describe('platform: errors inside a component', () => {
  /** A components folder outside the project, as `main.ts` discovers it, with one file. */
  function discoveredFrom(file: string, source: string): ReturnType<typeof discoverComponents> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'components-'));
    temporary.push(root);
    fs.mkdirSync(path.join(root, 'apps'));
    fs.writeFileSync(path.join(root, 'apps', file), `import { charts } from '${PROJECT}/catalogue';
import { defineComponent, Layer, Namespaces } from '${PROJECT}/constructs/component';
${source}`);
    return discoverComponents(root);
  }
  const component = (name: string, body: string): string =>
    `export const c = defineComponent({ name: '${name}', layer: Layer.APP, namespace: Namespaces.APPS, build(component) { ${body} } });\nvoid charts;\n`;

  test.each([
    ['a throw', 'thrower.ts', component('thrower', "throw new Error('broken on purpose');"), 'component thrower (apps/thrower.ts): broken on purpose'],
    ['a call on undefined', 'careless.ts', component('careless', 'const x: any = undefined; x.foo();'), "component careless (apps/careless.ts): Cannot read properties of undefined (reading 'foo')"],
    ['a catalogue typo', 'typo.ts', component('typo', "component.helmApp({ name: 'typo', chart: (charts as any).myap, values: {} });"), 'component typo (apps/typo.ts): Cannot read properties of undefined'],
  ])('GIVEN %s in a component WHEN synthesized THEN the error names the component and its file', (_what, file, source, message) => {
    const definitions = discoveredFrom(file, source);
    expect(() => buildApp(definitions)).toThrow(message);
  });

  test('GIVEN a component file that fails while loading WHEN discovered THEN the error names the file', () => {
    expect(() => discoveredFrom('loads.ts', 'export const version = (charts as any).myap.version;\n'))
      .toThrow("apps/loads.ts: Cannot read properties of undefined (reading 'version')");
  });

  test('GIVEN a dependency that throws WHEN its dependant is built THEN the error names the dependency, once', () => {
    const broken = app('broken', () => { throw new Error('broken on purpose'); });
    const user = defineComponent({ name: 'user', layer: Layer.APP, namespace: Namespaces.APPS, dependsOn: [broken], build: () => undefined });
    expect(() => buildApp([user])).toThrow(/^component broken: broken on purpose$/);
  });
});
