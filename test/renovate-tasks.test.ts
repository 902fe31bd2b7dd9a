import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyProject, PROJECT } from './project-copy';

/**
 * A Renovate merge request as Renovate makes it: catalogue.ts bumped, then the postUpgradeTasks of
 * renovate.json run on the branch. Every file a bump makes stale is then current: the tree equals
 * a fresh synth, and the README and graph tests pass in the copy.
 */
jest.setTimeout(180_000);

const renovate = JSON.parse(fs.readFileSync(path.join(PROJECT, 'renovate.json'), 'utf8'));
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function run(cwd: string, command: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', CDK8S_OUTDIR: undefined } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Renovate merge requests', () => {
  test('GIVEN a chart bumped in catalogue.ts WHEN renovate.json\'s postUpgradeTasks run THEN the tree, the README and the graph are current', () => {
    const copy = copyProject(fs.mkdtempSync(path.join(os.tmpdir(), 'renovate-')));
    temporary.push(copy);
    const catalogue = path.join(copy, 'catalogue.ts');
    fs.writeFileSync(catalogue, fs.readFileSync(catalogue, 'utf8').replace("chart: 'nextcloud',\n    version: '9.2.4',", "chart: 'nextcloud',\n    version: '9.2.5',"));

    // npm ci is the branch's own install; the copy shares this checkout's node_modules.
    const commands: string[] = renovate.postUpgradeTasks.commands;
    expect(commands[0]).toMatch(/^npm ci\b/);
    for (const command of commands.slice(1)) expect({ command, ...run(copy, command) }).toMatchObject({ command, status: 0 });

    const fresh = path.join(copy, '.fresh');
    expect(run(copy, `CDK8S_OUTDIR=${fresh} node scripts/synth.js && diff -r ${fresh} dist/flux2`)).toMatchObject({ status: 0 });
    expect(fs.readFileSync(path.join(copy, 'dist', 'flux2', 'apps', 'nextcloud', 'helmrelease-nextcloud.yaml'), 'utf8')).toContain('version: 9.2.5');
    const checks = run(copy, 'npx jest --ci test/readme.test.ts test/plan/graph.test.ts');
    expect({ status: checks.status, failures: checks.output.split('\n').filter((l) => l.includes('✕')) }).toEqual({ status: 0, failures: [] });
  });

  test('GIVEN renovate.json WHEN its tasks are read THEN they keep only generated files, and a k3s or Flux bump also aligns the e2e tools', () => {
    expect(renovate.postUpgradeTasks.fileFilters).toEqual(['dist/flux2/**', 'README.md', 'docs/**']);
    const align = renovate.packageRules.find((r: any) => r.postUpgradeTasks);
    expect(align.matchDepNames.sort()).toEqual(['ghcr.io/fluxcd/flux-cli', 'k3s-io/k3s']);
    expect(align.postUpgradeTasks.commands).toEqual([...renovate.postUpgradeTasks.commands, 'npm run e2e -- --align-tools']);
    expect(align.postUpgradeTasks.fileFilters).toEqual([...renovate.postUpgradeTasks.fileFilters, 'scripts/e2e/tools/**']);
    // The README shows the self-hosted configuration that allows exactly these commands.
    const readme = fs.readFileSync(path.join(PROJECT, 'README.md'), 'utf8');
    for (const command of align.postUpgradeTasks.commands) expect(readme).toContain(command);
  });
});
