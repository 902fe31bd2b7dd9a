import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffTrees, TreeDiff } from '../../scripts/diff/diff-trees';
import { treeAtRef } from '../../scripts/diff/git-tree';
import { diffObjects } from '../../scripts/diff/semantic-diff';

const BASE = path.join(__dirname, '..', 'fixtures', 'plan', 'base');
let repo: string;
const cleanups: (() => void)[] = [];

/** Commits the working tree of the temp repo and returns the commit id. */
function commit(message: string): string {
  const git = (...args: string[]): string => execFileSync('git', ['-C', repo, '-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args]).toString().trim();
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

function write(file: string, text: string): void {
  const full = path.join(repo, 'dist', 'flux2', file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
}

function edit(file: string, from: string, to: string): void {
  const full = path.join(repo, 'dist', 'flux2', file);
  fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(from, to));
}

async function diffRefs(from: string, to: string): Promise<TreeDiff> {
  const [before, after] = [treeAtRef(repo, from), treeAtRef(repo, to)];
  cleanups.push(before.remove, after.remove);
  return diffTrees(`${from.slice(0, 7)} -> ${to.slice(0, 7)}`, before.root, after.root);
}

const refs: Record<'base' | 'bump' | 'app' | 'removal', string> = { base: '', bump: '', app: '', removal: '' };

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-repo-'));
  execFileSync('git', ['init', '-q', repo]);
  fs.cpSync(BASE, path.join(repo, 'dist', 'flux2'), { recursive: true });
  refs.base = commit('base');
  edit('infrastructure/cert-manager/helmrelease-cert-manager.yaml', 'version: v1.21.1', 'version: v1.21.2');
  refs.bump = commit('bump cert-manager');
  write('cluster/optional/notes/kustomization.yaml', 'resources:\n  - kustomization-notes.yaml\n');
  write('cluster/optional/notes/kustomization-notes.yaml', fs.readFileSync(path.join(BASE, 'cluster/optional/demo/kustomization-demo.yaml'), 'utf8')
    .replace(/demo/g, 'notes').replace(/\n {6}- kind: Secret\n {8}name: stackspin-notes-variables/, ''));
  write('apps/notes/kustomization.yaml', 'resources:\n  - helmrelease-notes.yaml\n');
  write('apps/notes/helmrelease-notes.yaml', fs.readFileSync(path.join(BASE, 'apps/demo/helmrelease-demo.yaml'), 'utf8')
    .replace('name: demo\n  namespace', 'name: notes\n  namespace').replace('chart: demo', 'chart: notes').replace(/\n {2}valuesFrom:[\s\S]*$/, '\n'));
  refs.app = commit('add notes');
  fs.rmSync(path.join(repo, 'dist', 'flux2', 'apps/demo/configmap-demo-values.yaml'));
  edit('apps/demo/kustomization.yaml', '  - configmap-demo-values.yaml\n', '');
  refs.removal = commit('remove demo values');
});

afterAll(() => {
  cleanups.forEach((remove) => remove());
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('diff between two commits of the tree', () => {
  test('GIVEN the same commit twice WHEN diffed THEN nothing changed', async () => {
    const diff = await diffRefs(refs.base, refs.base);

    expect(diff.changes).toEqual([]);
    expect(diff.text).toBe(`${refs.base.slice(0, 7)} -> ${refs.base.slice(0, 7)}: no change\n`);
  });

  test('GIVEN a chart version bump WHEN diffed THEN one line names the object, the field and both versions', async () => {
    const diff = await diffRefs(refs.base, refs.bump);

    expect(diff.text.split('\n').slice(1)).toEqual([
      'HelmRelease cert-manager/cert-manager: spec.chart.spec.version v1.21.1 -> v1.21.2',
      'waves touched (every app enabled): 2',
      '',
    ]);
  });

  test('GIVEN an added app WHEN diffed THEN its objects are listed as added, with the waves they start in', async () => {
    const diff = await diffRefs(refs.bump, refs.app);

    expect(diff.changes.map((c) => `${c.change} ${c.id}`)).toEqual([
      'added HelmRelease stackspin-apps/notes',
      'added Kustomization flux-system/notes',
    ]);
    expect(diff.waves).toEqual([4]);
    expect(diff.text).toContain('added: Kustomization flux-system/notes\n');
  });

  test('GIVEN a removed object WHEN diffed THEN it is listed as removed in the wave of its Kustomization', async () => {
    const diff = await diffRefs(refs.app, refs.removal);

    expect(diff.text.split('\n').slice(1)).toEqual([
      'removed: ConfigMap stackspin-apps/demo-values',
      'waves touched (every app enabled): 4',
      '',
    ]);
  });

  test('GIVEN a ref that does not exist WHEN its tree is read THEN the error names the ref', () => {
    expect(() => treeAtRef(repo, 'no-such-branch')).toThrow('no-such-branch is not a commit');
  });
});

describe('semantic object diff', () => {
  test('GIVEN Helm values embedded in a ConfigMap WHEN diffed THEN the changed values are fields of their own', () => {
    const before = new Map([['ConfigMap a/v', { data: { 'values.yaml': 'image:\n  tag: "1.0"\nreplicas: 1\n' } }]]);
    const after = new Map([['ConfigMap a/v', { data: { 'values.yaml': 'image:\n  tag: "1.1"\nreplicas: 1\nextra: true\n' } }]]);

    expect(diffObjects(before, after)[0].fields).toEqual([
      { path: 'data[values.yaml].extra', before: undefined, after: true },
      { path: 'data[values.yaml].image.tag', before: '1.0', after: '1.1' },
    ]);
  });

  test('GIVEN a list of named items in another order WHEN diffed THEN items are matched by name', () => {
    const before = new Map([['Kustomization f/k', { spec: { dependsOn: [{ name: 'a' }, { name: 'b' }] } }]]);
    const after = new Map([['Kustomization f/k', { spec: { dependsOn: [{ name: 'b' }, { name: 'c' }] } }]]);

    expect(diffObjects(before, after)[0].fields).toEqual([
      { path: 'spec.dependsOn[a]', before: { name: 'a' }, after: undefined },
      { path: 'spec.dependsOn[c]', before: undefined, after: { name: 'c' } },
    ]);
  });

  test('GIVEN a long list of names that gains one WHEN diffed and reported THEN the added name is shown whole, not a truncated list', () => {
    const names = ['stackspin-kube-prometheus-stack-variables', 'stackspin-nextcloud-variables', 'stackspin-single-sign-on-variables', 'stackspin-zulip-variables'];
    const before = new Map([['Role flux-system/generate-secrets', { rules: [{ resourceNames: names }] }]]);
    const after = new Map([['Role flux-system/generate-secrets', { rules: [{ resourceNames: [...names.slice(0, 2), 'stackspin-hedgedoc-variables', ...names.slice(2)] }] }]]);

    expect(diffObjects(before, after)[0].fields).toEqual([{ path: 'rules[0].resourceNames[+]', before: undefined, after: 'stackspin-hedgedoc-variables' }]);
  });

  test('GIVEN plain lists that lose and gain elements WHEN diffed THEN each removed and added element is a line, repeats counted', () => {
    const fields = diffObjects(new Map([['X a/b', { args: ['--a', '--b', '--b'] }]]), new Map([['X a/b', { args: ['--b', '--c'] }]]))[0].fields;
    expect(fields).toEqual([
      { path: 'args[-]', before: '--a', after: undefined },
      { path: 'args[-]', before: '--b', after: undefined },
      { path: 'args[+]', before: undefined, after: '--c' },
    ]);
  });
});
