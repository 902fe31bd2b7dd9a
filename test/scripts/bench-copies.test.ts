import { nextcloud } from '../../apps/nextcloud';
import { renderTree } from '../../constructs/tree-writer';
import { buildApp, discoverComponents } from '../../main';
import { copyApp } from '../../scripts/bench/copies';

/** `npm run bench -- --scale` adds copies of every app; each must stand on its own so every check passes. */
describe('bench: a copy of an app', () => {
  const tree = renderTree(buildApp([...discoverComponents(), copyApp(nextcloud, 2, ['files', 'office'])]));
  const text = (file: string): string => {
    const content = tree.get(file);
    if (content === undefined) throw new Error(`${file} is not in the tree`);
    return content;
  };

  test('GIVEN copy 2 of nextcloud WHEN synthesized THEN it has its own directory, entry, Kustomization, generated secret and namespace', () => {
    const kustomization = text('cluster/optional/nextcloud2/kustomization-nextcloud2.yaml');
    expect(kustomization).toContain('path: ./dist/flux2/apps/nextcloud2');
    expect(kustomization).toContain('name: stackspin-nextcloud2-variables');
    expect(text('apps/nextcloud2/helmrelease-nextcloud.yaml')).toContain('namespace: stackspin-apps-2');
    expect(text('infrastructure/namespaces/namespace-stackspin-apps-2.yaml')).toContain('name: stackspin-apps-2');
  });

  test('GIVEN copy 2 of nextcloud WHEN synthesized THEN it serves files-2 and office-2, and still signs in at the shared single sign-on host', () => {
    const copy = [...tree.entries()].filter(([file]) => file.startsWith('apps/nextcloud2/')).map(([, content]) => content).join('\n');
    expect(copy).toContain('files-2.${domain}');
    expect(copy).toContain('office-2.${domain}');
    expect(copy).not.toMatch(/[^-]files\.\$\{domain\}/);
    expect(copy).toContain('sso.${domain}');
    expect(text('apps/nextcloud/configmap-nextcloud-values.yaml')).toContain('files.${domain}');
  });
});
