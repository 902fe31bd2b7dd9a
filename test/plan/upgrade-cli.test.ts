import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trailersSince } from '../../scripts/diff/git-tree';

const ROOT = path.join(__dirname, '..', '..');
const LOADER = path.join(ROOT, 'scripts/lib/ts-loader.js');

function plan(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['-r', LOADER, 'scripts/plan.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The whole command on the real history runs in every npm test: scripts/upgrade-check.sh. */
describe('npm run plan -- --upgrade-from', () => {
  test('GIVEN a ref that is not a commit WHEN planned THEN it exits 2 naming the ref', () => {
    const result = plan(['--upgrade-from', 'no-such-ref-xyz']);
    expect(result.status).toBe(2);
    expect(result.out).toContain('no-such-ref-xyz is not a commit of');
  });

  test('GIVEN commits with Upgrade-Accepted trailers WHEN read since a ref THEN each accepted finding is listed, and only those after the ref', () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'trailers-'));
    const git = (...args: string[]): string => execFileSync('git', ['-C', repo, '-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args]).toString().trim();
    try {
      git('init', '-q');
      git('commit', '-q', '--allow-empty', '-m', 'base\n\nUpgrade-Accepted: prune Secret a/old');
      const base = git('rev-parse', 'HEAD');
      git('commit', '-q', '--allow-empty', '-m', 'rename\n\nbody text\n\nUpgrade-Accepted: prune Secret stackspin/x\nUpgrade-Accepted: major HelmRelease stackspin/y');
      git('commit', '-q', '--allow-empty', '-m', 'unrelated');
      expect(trailersSince(repo, base, 'Upgrade-Accepted').sort()).toEqual(['major HelmRelease stackspin/y', 'prune Secret stackspin/x']);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});
