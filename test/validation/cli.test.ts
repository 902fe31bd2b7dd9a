import { recorder, runCommand } from '../../scripts/lib/command';
import { validateCommand } from '../../scripts/validate';
import { synthesize } from '../../main';
import { edit, writeCopy } from './fixture';

async function validate(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = recorder();
  const code = await runCommand('validate', validateCommand, [root], output);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

describe('validate: the command', () => {
  test('GIVEN the real tree with two problems WHEN npm run validate runs THEN it exits 1 printing one line per problem', async () => {
    const tree = { root: writeCopy(synthesize()) };
    edit(tree, 'cluster/core/kustomization-sources.yaml', (m) => { m.spec.dependsOn = [{ name: 'missing' }]; });
    edit(tree, 'infrastructure/sources/gitrepository-stackspin.yaml', (m) => { m.spec.suspend = true; });
    const result = await validate(tree.root);
    expect(result.stdout.trim().split('\n')).toEqual([
      'cluster/core/kustomization-sources.yaml: Kustomization flux-system/sources: spec.dependsOn[0]: Kustomization flux-system/missing is not in the tree; depend on a Kustomization the tree declares',
      'infrastructure/sources/gitrepository-stackspin.yaml: GitRepository flux-system/stackspin: spec.suspend: must not be set: the maintenance-window CronJobs own it, and Flux would re-apply the declared value at every reconcile; remove it',
    ]);
    expect(result.stderr).toContain('2 problem(s)');
    expect(result.code).toBe(1);
  });

  test('GIVEN a directory that does not exist WHEN validated THEN it exits 2 saying to synthesize', async () => {
    const result = await validate('/nonexistent/flux2');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('validate: /nonexistent/flux2: no such directory; give a synthesized tree like dist/flux2 (npm run synth writes it)\n');
  });
});
