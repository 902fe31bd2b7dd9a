import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { TreeChart } from '../constructs/tree-chart';
import { escapeSubstitution, renderTree, writeTree } from '../constructs/tree-writer';
import { FluxKustomization } from '../constructs/flux-kustomization';
import { GeneratedSecret, Generator } from '../constructs/generated-secret';
import { GitRepository } from '../constructs/git-repository';
import { parse, parseAllDocuments } from 'yaml';
import { envsubst } from '../scripts/plan/envsubst';
import { buildApp } from '../main';
import { fullTree } from './tree';

function appWith(build: (chart: TreeChart) => void): App {
  const app = new App();
  const chart = new TreeChart(app, 'c', { directory: 'apps/demo' });
  const source = new GitRepository(chart, 'g', { name: 'stackspin', url: 'https://example.org/x.git', branch: 'main' });
  new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart });
  build(chart);
  return app;
}

describe('tree writer', () => {
  test.each([
    ['a composed string', 'files.${domain}', 'value: ${quote}files.${domain}${quote}'],
    ['a lone string reference', '${admin_email}', 'value: ${quote}${admin_email}${quote}'],
    ['a lone boolean reference', '${outgoing_mail_enabled:=false}', 'value: ${outgoing_mail_enabled:=false}'],
    ['a lone integer reference', '${outgoing_mail_smtp_port:=587}', 'value: ${outgoing_mail_smtp_port:=587}'],
    ['an integer reference inside text', '0 ${flux_window_start_hour:=2} * * *', 'value: ${quote}0 ${flux_window_start_hour:=2} * * *${quote}'],
    ['an escaped literal', 'echo $${HOME}', 'value: echo $${HOME}'],
    ['no reference', 'plain', 'value: plain'],
  ])('GIVEN %s WHEN rendered THEN substituted text is wrapped in ${quote} and typed references keep their type', (_what, value, expected) => {
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q', namespace: 'ns' }, data: { value } } as any)));
    expect(files.get('apps/demo/configmap-q.yaml')).toContain(`  ${expected}\n`);
  });

  test('GIVEN a substituted string WHEN kustomize builds the directory and Flux substitutes a value that looks like a number, a boolean or a comment THEN YAML still reads the string', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quote-'));
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q', namespace: 'ns' }, data: { value: '${admin_email}' } } as any)));
    writeTree(new Map([...files].filter(([file]) => file.startsWith('apps/demo/'))), dir);
    const built = execFileSync('kubectl', ['kustomize', path.join(dir, 'apps', 'demo')], { encoding: 'utf8' });
    for (const hostile of ['12345678', 'true', 'null', 'a: b #c', '- x', '[x]', '{x}', '*x', '&x', '%x', '@x', '?x']) {
      const substituted = envsubst(built, new Map([['quote', '"'], ['admin_email', hostile]])).text;
      const configMap = parseAllDocuments(substituted).map((d) => d.toJS()).find((m) => m?.kind === 'ConfigMap');
      expect({ hostile, value: configMap.data.value }).toEqual({ hostile, value: hostile });
    }
  });

  test('GIVEN YAML quotes around a reference in a file WHEN kustomize builds it THEN they are gone, which is why the tree uses ${quote}', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-quotes-'));
    fs.writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: q\ndata:\n  value: "${admin_email}"\n');
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    expect(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).toContain('  value: ${admin_email}\n');
  });

  test('GIVEN a substituted string YAML must quote WHEN rendered THEN synth refuses it: its value could not stay a string', () => {
    expect(() => renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q', namespace: 'ns' }, data: { value: 'host: ${domain}' } } as any))))
      .toThrow(/configmap-q.yaml \(ConfigMap ns\/q\): data.value mixes a substitution with text YAML must quote/);
  });

  test('GIVEN a multi-line string with a reference WHEN rendered THEN it stays a literal block, which takes any substituted value', () => {
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q', namespace: 'ns' }, data: { script: 'user=${admin_email}\nexit 0' } } as any)));
    expect(files.get('apps/demo/configmap-q.yaml')).toContain('script: |-\n    user=${admin_email}\n    exit 0');
  });

  test('GIVEN the platform WHEN rendered twice THEN the bytes are identical', () => {
    expect([...renderTree(buildApp()).entries()]).toEqual([...fullTree().entries()]);
  });

  test('GIVEN a ConfigMap with a long multi-line value WHEN rendered THEN it is a literal block, unfolded', () => {
    const long = `${'x'.repeat(200)}\nsecond line`;
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'long', namespace: 'ns' }, data: { script: long } } as any)));
    expect(files.get('apps/demo/configmap-long.yaml')).toContain(`script: |-\n    ${'x'.repeat(200)}\n    second line`);
  });

  test('GIVEN a cluster-scoped object with a namespace WHEN rendered THEN the namespace is dropped', () => {
    const files = renderTree(appWith((c) => new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'y' } })));
    expect(files.get('apps/demo/namespace-x.yaml')).not.toContain('namespace: y');
  });

  test('GIVEN a namespaced object without a namespace WHEN rendered THEN synth is refused naming it', () => {
    expect(() => renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nons' } }))))
      .toThrow(/apps\/demo\/configmap-nons.yaml \(ConfigMap nons\): metadata.namespace is missing/);
  });

  test('GIVEN an undeclared ${var} WHEN rendered THEN synth is refused naming file, object and field', () => {
    expect(() => renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sh', namespace: 'ns' }, data: { run: 'echo ${HOME}' } } as any))))
      .toThrow(/configmap-sh.yaml \(ConfigMap ns\/sh\): data.run references \$\{HOME\}, which is neither a cluster variable/);
  });

  test('GIVEN a literal escaped with escapeSubstitution WHEN rendered THEN it is accepted as $${...}', () => {
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sh', namespace: 'ns' }, data: { run: escapeSubstitution('echo ${HOME} ${domain}') } } as any)));
    expect(files.get('apps/demo/configmap-sh.yaml')).toContain('echo $${HOME} $${domain}');
  });

  test('GIVEN a declared cluster variable WHEN rendered THEN it is kept for Flux to substitute', () => {
    const files = renderTree(appWith((c) => new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'ns' }, data: { host: 'x.${domain}' } } as any)));
    expect(files.get('apps/demo/configmap-d.yaml')).toContain('host: ${quote}x.${domain}${quote}');
  });

  test('GIVEN a Kustomization substituting from a generated secret nothing reads WHEN rendered THEN synth is refused naming it', () => {
    const app = new App();
    const chart = new TreeChart(app, 'c', { directory: 'apps/demo' });
    const source = new GitRepository(chart, 'g', { name: 'stackspin', url: 'https://example.org/x.git', branch: 'main' });
    const secret = new GeneratedSecret(chart, 's', { name: 'stackspin-demo-variables', keys: { demo_password: { generator: Generator.PASSWORD } } });
    new FluxKustomization(chart, 'k', { name: 'demo', source, target: chart, secrets: [secret] });
    expect(() => renderTree(app)).toThrow('Kustomization demo substitutes from stackspin-demo-variables, but nothing in apps/demo references its keys (demo_password); use them or drop the secret');
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'ns' }, data: { pw: secret.ref('demo_password') } } as any);
    expect(renderTree(app).get('apps/demo/configmap-d.yaml')).toContain('pw: ${quote}${demo_password}${quote}');
  });

  test('GIVEN any directory WHEN rendered THEN its kustomization.yaml lists exactly its files', () => {
    const tree = fullTree();
    const dirs = new Set([...tree.keys()].map((f) => f.slice(0, f.lastIndexOf('/'))));
    for (const dir of dirs) {
      const listed = parse(tree.get(`${dir}/kustomization.yaml`)!).resources;
      const present = [...tree.keys()].filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes('/') && !f.endsWith('/kustomization.yaml')).map((f) => f.slice(dir.length + 1));
      expect({ dir, listed }).toEqual({ dir, listed: present.sort() });
    }
  });
});
