import { spawnSync } from 'child_process';
import * as path from 'path';
import { synthesize } from '../../main';
import { edit, writeCopy } from './fixture';

const PROJECT = path.join(__dirname, '..', '..');

function validate(root: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['-r', './scripts/lib/ts-loader.js', 'scripts/validate.ts', root], { cwd: PROJECT, encoding: 'utf8' });
}

describe('validate: the command', () => {
  test('GIVEN the real tree with two problems WHEN npm run validate runs THEN it exits 1 printing one line per problem', () => {
    const tree = { root: writeCopy(synthesize()) };
    edit(tree, 'cluster/core/kustomization-sources.yaml', (m) => { m.spec.dependsOn = [{ name: 'missing' }]; });
    edit(tree, 'infrastructure/sources/gitrepository-stackspin.yaml', (m) => { m.spec.suspend = true; });
    const result = validate(tree.root);
    expect(result.stdout.trim().split('\n')).toEqual([
      'cluster/core/kustomization-sources.yaml: Kustomization flux-system/sources: spec.dependsOn[0]: Kustomization flux-system/missing is not in the tree; depend on a Kustomization the tree declares',
      'infrastructure/sources/gitrepository-stackspin.yaml: GitRepository flux-system/stackspin: spec.suspend: must not be set: the maintenance-window CronJobs own it, and Flux would re-apply the declared value at every reconcile; remove it',
    ]);
    expect(result.stderr).toContain('2 problem(s)');
    expect(result.status).toBe(1);
  });

  test('GIVEN a directory that does not exist WHEN validated THEN it exits 2 saying to synthesize', () => {
    const result = validate('/nonexistent/flux2');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not a directory; synthesize the tree first');
  });
});
