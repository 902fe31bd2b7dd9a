import * as fs from 'fs';
import * as path from 'path';
import { fixture, problems } from './fixture';

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
