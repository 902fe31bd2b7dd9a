import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { unquoted } from './tree';
import * as catalogue from '../catalogue';
import { ChartEntry } from '../catalogue';
import { ComponentDefinition } from '../constructs/component';
import { renderTree } from '../constructs/tree-writer';
import { buildApp, discoverComponents } from '../main';
import { parseYaml } from './yaml';

/**
 * The README's "Adding an app" snippet, taken from the README and run as the file it tells you to
 * create (apps/myapp.ts), imports and all. Its name is changed to `readmeapp`, so a maintainer
 * who follows the README with `myapp` (or any name) does not collide with this test.
 */
const ROOT = path.join(__dirname, '..');
const NAME = 'readmeapp';
const chart: ChartEntry = { repository: 'https://charts.example.org/', chart: NAME, version: '1.2.3', upstream: 'example for the README' };

function readmeSnippet(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Adding an app'), readme.indexOf('\n## ', readme.indexOf('## Adding an app') + 1));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md "Adding an app" has no ```ts block');
  return block[1].replace(/^ {3}/gm, '');
}

/** Runs the snippet as `apps/<file>.ts` would run, with step 1's catalogue entry added. */
function loadSnippet(source: string): Record<string, unknown> {
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  const exported: Record<string, unknown> = {};
  const resolve = (request: string): unknown => {
    const target = path.resolve(ROOT, 'apps', request);
    if (target === path.join(ROOT, 'catalogue')) return { ...catalogue, charts: { ...catalogue.charts, [NAME]: chart } };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(target);
  };
  new Function('require', 'exports', 'module', outputText)(resolve, exported, { exports: exported });
  return exported;
}

const snippet = readmeSnippet();
const definition = loadSnippet(snippet.replace(/myapp/g, NAME))[NAME] as ComponentDefinition<unknown>;

describe('adding an app, as the README says', () => {
  const tree = renderTree(buildApp([...discoverComponents(), definition]));
  const read = (file: string): any => unquoted(parseYaml(tree.get(file) ?? ''));

  test('GIVEN the README snippet WHEN read THEN it is a whole file: it imports everything it uses and exports the definition', () => {
    expect(snippet).toMatch(/^import /);
    expect(snippet).toContain("from '../constructs/component'");
    expect(definition.name).toBe(NAME);
  });

  test('GIVEN one new definition WHEN the platform is synthesized THEN it gets its entry, Kustomization and directory', () => {
    expect(read(`cluster/optional/${NAME}/kustomization.yaml`).resources).toEqual([`kustomization-${NAME}.yaml`]);
    const k = read(`cluster/optional/${NAME}/kustomization-${NAME}.yaml`);
    expect(k.spec.path).toBe(`./dist/flux2/apps/${NAME}`);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'namespaces', 'single-sign-on', 'sources']);
    expect(k.spec.postBuild.substituteFrom.map((s: any) => s.name)).toEqual(['stackspin-cluster-variables', `stackspin-${NAME}-variables`]);
  });

  test('GIVEN the new app\'s generated secret WHEN synthesized THEN the tree declares it and the cluster generates it', () => {
    expect(read(`infrastructure/generated-secrets/configmap-stackspin-${NAME}-variables-keys.yaml`).data).toEqual({ [`${NAME}_oauth_client_secret`]: 'password' });
    expect(read('infrastructure/generated-secrets/role-generate-secrets.yaml').rules[0].resourceNames).toContain(`stackspin-${NAME}-variables`);
  });

  test('GIVEN the new app WHEN synthesized THEN its HelmRelease, values, overrides and chart source follow the platform pattern', () => {
    const release = read(`apps/${NAME}/helmrelease-${NAME}.yaml`);
    expect(release.metadata.namespace).toBe('stackspin-apps');
    expect(release.spec.chart.spec).toMatchObject({ chart: NAME, version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'example' } });
    expect(release.spec.valuesFrom.map((v: any) => v.name)).toEqual([`${NAME}-values`, `${NAME}-secret-values`, `stackspin-${NAME}-override`, `stackspin-${NAME}-override`]);
    expect(release.spec.commonMetadata.labels).toEqual({ 'stackspin.net/backupSet': NAME });
    expect(read('infrastructure/sources/helmrepository-example.yaml').spec.url).toBe('https://charts.example.org/');
    expect(read(`apps/${NAME}/oauth2client-${NAME}.yaml`).spec.redirectUris).toEqual([`https://${NAME}.\${domain}/oidc/callback`]);
  });
});

describe('an app file that exports no component', () => {
  test('GIVEN apps/forgotten.ts whose component is not exported WHEN the components are discovered THEN synth refuses it, naming the file and the fix', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'forgotten-'));
    try {
      fs.mkdirSync(path.join(root, 'apps', 'kept'), { recursive: true });
      fs.writeFileSync(path.join(root, 'apps', 'forgotten.ts'), `import { defineComponent, Layer, Namespaces } from '${ROOT}/constructs/component';
const forgotten = defineComponent({ name: 'forgotten', layer: Layer.APP, namespace: Namespaces.APPS, build() {} });
void forgotten;
`);
      // A helper inside a component's folder exports none, and needs none.
      fs.writeFileSync(path.join(root, 'apps', 'kept', 'index.ts'), `import { defineComponent, Layer, Namespaces } from '${ROOT}/constructs/component';
export const kept = defineComponent({ name: 'kept', layer: Layer.APP, namespace: Namespaces.APPS, build() {} });
`);
      fs.writeFileSync(path.join(root, 'apps', 'kept', 'helper.ts'), 'export const port = 80;\n');
      expect(() => discoverComponents(root)).toThrow("apps/forgotten.ts exports no component; export its defineComponent(...) (export const x = defineComponent({...})), or move helpers into a component's folder");
      fs.rmSync(path.join(root, 'apps', 'forgotten.ts'));
      expect(discoverComponents(root).map((d) => d.name)).toEqual(['kept']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
