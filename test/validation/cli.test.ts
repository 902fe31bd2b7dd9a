import { spawnSync } from 'child_process';
import * as path from 'path';
import { edit, fixture } from './fixture';

const PROJECT = path.join(__dirname, '..', '..');

function validate(root: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.join(PROJECT, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'scripts/validate.ts', root], { cwd: PROJECT, encoding: 'utf8' });
}

describe('validate: the command', () => {
  test('GIVEN a tree with two problems WHEN npm run validate runs THEN it exits 1 printing one line per problem', () => {
    const f = fixture();
    edit(f, 'apps/wekan/helmrelease-wekan.yaml', (m) => { m.apiVersion = 'helm.toolkit.fluxcd.io/v2beta1'; });
    edit(f, 'infrastructure/sources/gitrepository-stackspin.yaml', (m) => { m.spec.suspend = true; });
    const result = validate(f.root);
    expect(result.status).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      'apps/wekan/helmrelease-wekan.yaml: HelmRelease stackspin-apps/wekan: apiVersion: helm.toolkit.fluxcd.io/v2beta1 is not served by the pinned CRD (helm.toolkit.fluxcd.io_helmreleases.yaml serves helm.toolkit.fluxcd.io/v2); use a served version',
      expect.stringMatching(/^infrastructure\/sources\/gitrepository-stackspin.yaml: GitRepository flux-system\/stackspin: spec.suspend: must not be set/),
    ]);
    expect(result.stderr).toContain('2 problem(s)');
  });

  test('GIVEN a directory that does not exist WHEN validated THEN it exits 2 saying to synthesize', () => {
    const result = validate('/nonexistent/flux2');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not a directory; synthesize the tree first');
  });
});
