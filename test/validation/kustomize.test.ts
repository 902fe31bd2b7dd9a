import * as fs from 'fs';
import * as path from 'path';
import { synthesize } from '../../main';
import { buildDirectories } from '../../scripts/validation/kustomize';
import { loadTree } from '../../scripts/validation/load';
import { fixture, problems, writeCopy } from './fixture';

describe('validate: kustomize builds', () => {
  test('GIVEN a kustomization.yaml listing a missing file WHEN validated THEN the directory and kubectl error are named', async () => {
    const f = fixture();
    fs.appendFileSync(path.join(f.root, 'apps/demo/kustomization.yaml'), '  - missing.yaml\n');
    const lines = await problems(f);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^apps\/demo\/kustomization.yaml: kubectl kustomize apps\/demo failed: accumulating resources: .*missing\.yaml/);
    expect(lines[0]).not.toContain(f.root);
  });

  test('GIVEN two objects with the same identity in one directory WHEN validated THEN kustomize refuses the build', async () => {
    const f = fixture();
    const dir = path.join(f.root, 'infrastructure/namespaces');
    fs.copyFileSync(path.join(dir, 'namespace-stackspin-apps.yaml'), path.join(dir, 'namespace-copy.yaml'));
    fs.appendFileSync(path.join(dir, 'kustomization.yaml'), '  - namespace-copy.yaml\n');
    expect(await problems(f)).toEqual([expect.stringMatching(/^infrastructure\/namespaces\/kustomization.yaml: kubectl kustomize infrastructure\/namespaces failed: .*stackspin-apps/)]);
  });

  test('GIVEN a file its kustomization.yaml does not list WHEN validated THEN it is reported as never applied', async () => {
    const f = fixture();
    fs.writeFileSync(path.join(f.root, 'apps/demo/configmap-stale.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\n  namespace: stackspin-apps\n');
    expect(await problems(f)).toEqual([
      'apps/demo/configmap-stale.yaml: is not listed in apps/demo/kustomization.yaml, so Flux never applies it; synthesize again to drop it',
    ]);
  });
});

describe('validate: one kustomize build for the whole tree', () => {
  test('GIVEN the real tree WHEN built at once THEN one kubectl run gives every directory exactly what its own build gives', async () => {
    const tree = loadTree(writeCopy(synthesize()));

    const each = await buildDirectories(tree, { combined: false });
    const combined = await buildDirectories(tree);

    expect(each.builds).toBe(tree.kustomizeDirectories.length);
    expect(combined.builds).toBe(1);
    expect(combined.problems).toEqual([]);
    expect(JSON.stringify([...combined.built].sort())).toEqual(JSON.stringify([...each.built].sort()));
  });

  test('GIVEN one object in two directories WHEN built THEN the refused combined build costs no problem: each directory builds on its own', async () => {
    const f = fixture();
    fs.copyFileSync(path.join(f.root, 'infrastructure/namespaces/namespace-stackspin-apps.yaml'), path.join(f.root, 'apps/demo/namespace-stackspin-apps.yaml'));
    fs.appendFileSync(path.join(f.root, 'apps/demo/kustomization.yaml'), '  - namespace-stackspin-apps.yaml\n');
    const tree = loadTree(f.root);

    const result = await buildDirectories(tree);

    expect(result.problems).toEqual([]);
    expect(result.builds).toBe(tree.kustomizeDirectories.length + 1);
    expect(result.built.get('apps/demo')?.map((m) => m.kind)).toContain('Namespace');
  });

  test('GIVEN a kustomization.yaml that does more than list its files WHEN built THEN each directory is built on its own, as kustomize-controller would', async () => {
    const f = fixture();
    fs.appendFileSync(path.join(f.root, 'apps/demo/kustomization.yaml'), 'commonLabels:\n  extra: label\n');
    const tree = loadTree(f.root);

    const result = await buildDirectories(tree);

    expect(result.builds).toBe(tree.kustomizeDirectories.length);
    expect(result.built.get('apps/demo')?.every((m) => m.metadata.labels?.extra === 'label')).toBe(true);
  });
});
