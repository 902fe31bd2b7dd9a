import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArguments } from '../scripts/plan/cli-input';

/** Garbage on the maintainers' command lines gets one clear message and changes nothing. */

const ROOT = path.join(__dirname, '..');

function run(args: readonly string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('command-line input', () => {
  test.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [['--env'], '--env needs a value'],
    [['--env', '/nonexistent/.flux.env'], '--env /nonexistent/.flux.env: no such file'],
    [['--apps', 'nextcloud,nosuchapp'], 'unknown app(s) nosuchapp; the tree\'s optional apps are: '],
  ])('GIVEN plan %j WHEN parsed THEN it is refused: %s', (argv, message) => {
    expect(() => parseArguments(argv, [])).toThrow(message);
  });

  test('GIVEN synth --publish without a directory WHEN run THEN it exits 1 naming the fix and writes nothing', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-args-')), 'flux2');
    const result = run(['scripts/synth.js', '--publish'], { CDK8S_OUTDIR: out });
    expect(result.status).toBe(1);
    expect(result.out).toContain('--publish needs a directory, e.g. --publish dist/flux2');
    expect(fs.existsSync(out)).toBe(false);
  });

  test.each([
    [[], 'usage: npm run diff -- <git-ref>'],
    [['--stat'], 'usage: npm run diff -- <git-ref>'],
    [['no-such-ref-xyz'], 'no-such-ref-xyz is not a commit of'],
  ])('GIVEN diff %j WHEN run THEN it exits 2: %s', (argv, message) => {
    const result = run(['-r', './scripts/lib/ts-loader.js', 'scripts/diff.ts', ...argv]);
    expect(result.status).toBe(2);
    expect(result.out).toContain(message);
  });
});
