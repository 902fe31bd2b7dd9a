import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitServer } from '../../scripts/e2e/git-server';

/** The e2e's git server (scripts/e2e/git-server.ts) as the real git client sees it over smart HTTP. */
describe('the e2e git server', () => {
  let dir: string;
  let server: GitServer;
  let repo: string;
  const commit = (message: string): string => {
    fs.mkdirSync(path.join(repo, 'dist', 'flux2', 'cluster', 'core'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'dist', 'flux2', 'cluster', 'core', 'kustomization.yaml'), `# ${message}\n`);
    const run = (...args: string[]) => spawnSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.org', ...args], { cwd: repo, encoding: 'utf8' });
    run('add', '.');
    run('commit', '--quiet', '-m', message);
    return run('rev-parse', 'HEAD').stdout.trim();
  };
  let first: string;
  let second: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'git-server-'));
    repo = path.join(dir, 'checkout');
    fs.mkdirSync(repo);
    spawnSync('git', ['init', '--quiet', '--initial-branch=work', repo]);
    first = commit('first');
    second = commit('second');
    server = new GitServer(path.join(dir, 'served'), 0, () => undefined);
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** git, asynchronously: the server answers from this process. */
  function git(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  }

  test('GIVEN a commit of the checkout served as branch main WHEN git clones the server THEN it gets that commit, its tree included', async () => {
    expect(server.serve(repo, 'HEAD', 'main')).toBe(second);
    const clone = path.join(dir, 'clone');
    const result = await git(['clone', '--quiet', '--depth=1', '--branch=main', server.url, clone]);
    expect(result.stderr).toBe('');
    expect(spawnSync('git', ['rev-parse', 'HEAD'], { cwd: clone, encoding: 'utf8' }).stdout.trim()).toBe(second);
    expect(fs.existsSync(path.join(clone, 'dist', 'flux2', 'cluster', 'core', 'kustomization.yaml'))).toBe(true);
    expect(server.requests).toEqual(expect.arrayContaining(['GET /stackspin.git/info/refs?service=git-upload-pack', 'POST /stackspin.git/git-upload-pack']));
  });

  test('GIVEN another commit served on the same branch WHEN git asks for the branch THEN it moved there', async () => {
    server.serve(repo, 'HEAD~1', 'main');
    expect((await git(['ls-remote', server.url, 'refs/heads/main'])).stdout.split('\t')[0]).toBe(first);
  });

  test('GIVEN a revision the checkout lacks WHEN served THEN the message names it', () => {
    expect(() => server.serve(repo, 'no-such-branch', 'main')).toThrow(/^git rev-parse --verify no-such-branch\^\{commit\} failed: fatal: /);
  });
});
