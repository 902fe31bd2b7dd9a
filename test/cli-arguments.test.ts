import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverComponents } from '../main';
import { diffCommand } from '../scripts/diff';
import { graphCommand, DOCS } from '../scripts/graph';
import { Command, recorder, runCommand } from '../scripts/lib/command';
import { planCommand } from '../scripts/plan';
import { parseArguments } from '../scripts/plan/cli-input';
import { validateCommand } from '../scripts/validate';

/**
 * Garbage on the maintainers' command lines gets one clear message and changes nothing. The
 * commands run in-process (scripts/lib/command.ts), as `npm run <name> -- <args>` runs them.
 */
const ROOT = path.join(__dirname, '..');
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

async function run(name: string, command: Command, argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = recorder();
  const code = await runCommand(name, command, argv, output);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

/** Runs with PATH holding none of the external tools. */
async function withoutTools<T>(body: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, KUBECTL: process.env.KUBECTL };
  process.env.PATH = tempDir('empty-path-');
  delete process.env.KUBECTL;
  try {
    return await body();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.KUBECTL !== undefined) process.env.KUBECTL = saved.KUBECTL;
  }
}

function docsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(DOCS).sort()) hash.update(file).update(fs.readFileSync(path.join(DOCS, file))).update(String(fs.statSync(path.join(DOCS, file)).mtimeMs));
  return hash.digest('hex');
}

const plan = (argv: readonly string[]) => run('plan', planCommand, argv);
const validate = (argv: readonly string[]) => run('validate', validateCommand, argv);
const graph = (argv: readonly string[]) => run('graph', graphCommand, argv);
const diff = (argv: readonly string[]) => run('diff', diffCommand, argv);

describe('command-line input: help', () => {
  test.each([
    ['plan', plan, 'usage: plan [--tree DIR]'],
    ['validate', validate, 'usage: npm run validate [-- TREE]'],
    ['graph', graph, 'usage: npm run graph'],
    ['diff', diff, 'usage: npm run diff -- <git-ref>'],
  ])('GIVEN %s --help (also after --) WHEN run THEN it prints the usage on stdout, exits 0 and does nothing else', async (_name, command, usage) => {
    const before = docsFingerprint();
    for (const argv of [['--help'], ['--', '--help'], ['-h']]) {
      const result = await command(argv);
      expect(result).toEqual({ code: 0, stdout: expect.stringContaining(usage), stderr: '' });
    }
    expect(docsFingerprint()).toBe(before);
  });
});

describe('command-line input: refused', () => {
  test.each([
    [['--bogus'], "plan: unknown option '--bogus'"],
    [['--env'], 'plan: --env needs a value; write --env FILE'],
    [['--env', '--all-apps'], "plan: --env needs a value, got the flag '--all-apps'; write --env FILE (or --env=FILE for a value that starts with -)"],
    [['--tree', '--apps', 'zulip'], "plan: --tree needs a value, got the flag '--apps'"],
    [['--all-apps', '--apps', 'zulip'], 'plan: --apps and --all-apps contradict each other; give one'],
    [['--tree', '/tmp'], 'plan: --tree /tmp: not a synthesized tree (it has no cluster/core/kustomization.yaml); give a tree like dist/flux2'],
    [['--tree', '/nonexistent'], 'plan: --tree /nonexistent: no such directory'],
    [['--env', '/nonexistent/.flux.env'], 'plan: --env /nonexistent/.flux.env: not found; copy .flux.env.example to /nonexistent/.flux.env and fill it in'],
    [['--env', os.tmpdir()], `plan: --env ${os.tmpdir()}: is a directory, not an env file; give the path of your .flux.env`],
    [['--apps', 'nextcloud,nosuchapp'], "plan: unknown app(s) nosuchapp; the tree's optional apps are: "],
    [['zulip'], "plan: unexpected argument 'zulip'; this command takes only options"],
  ])('GIVEN plan %j WHEN run THEN it exits 2 with one message and plans nothing: %s', async (argv, message) => {
    const result = await plan(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  test.each([
    [['/nonexistent'], 'validate: /nonexistent: no such directory; give a synthesized tree like dist/flux2 (npm run synth writes it)\n'],
    [['/tmp'], 'validate: /tmp: not a synthesized tree (it has no cluster/core/kustomization.yaml); give a tree like dist/flux2 (npm run synth writes it)\n'],
    [['dist/flux2', '/nonexistent'], "validate: too many arguments: '/nonexistent'; give at most 1 TREE\n"],
    [['--strict'], "validate: unknown option '--strict'\n"],
  ])('GIVEN validate %j WHEN run THEN it exits 2 naming the path or argument and validates nothing', async (argv, message) => {
    const result = await validate(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  test('GIVEN graph with an argument WHEN run THEN it exits 2 and writes no docs', async () => {
    const before = docsFingerprint();
    const result = await graph(['docs/']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^graph: unexpected argument 'docs\/'; this command takes only options\nusage: npm run graph/) });
    expect(docsFingerprint()).toBe(before);
  });

  test('GIVEN package.json WHEN npm runs validate, plan, graph, diff, charts, render or flux-env THEN it adds no argument of its own, so `npm run validate -- /nonexistent` checks /nonexistent', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const name of ['validate', 'plan', 'graph', 'diff', 'charts', 'render', 'flux-env']) expect(scripts[name]).toBe(`node -r ./scripts/lib/ts-loader.js scripts/${name}.ts`);
    expect(scripts.synth).toBe('node scripts/synth.js');
  });

  test.each([
    [[], 'diff: missing <git-ref>\nusage: npm run diff -- <git-ref>'],
    [['--stat'], "diff: unknown option '--stat'\nusage: npm run diff -- <git-ref>"],
    [['main', 'HEAD'], "diff: too many arguments: 'HEAD'; give at most 1 <git-ref>"],
    [['no-such-ref-xyz'], 'diff: no-such-ref-xyz is not a commit of'],
  ])('GIVEN diff %j WHEN run THEN it exits 2: %s', async (argv, message) => {
    const result = await diff(argv);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  test('GIVEN synth --publish without a directory WHEN run THEN it exits 2 naming the fix and writes nothing', () => {
    const out = path.join(tempDir('synth-args-'), 'flux2');
    const result = spawnSync(process.execPath, ['scripts/synth.js', '--publish'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('synth: --publish needs a value; write --publish DIR');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('plan --env: the validator bootstrap uses', () => {
  const BASE = 'ip_address=203.0.113.7\ndomain=stackspin.example.org\nadmin_email=admin@example.org\n';
  const envFile = (text: string): string => {
    const file = path.join(tempDir('plan-env-'), '.flux.env');
    fs.writeFileSync(file, text);
    return file;
  };

  test.each([
    ['Windows line endings', BASE.replace(/\n/g, '\r\n'), 'the file has Windows line endings; save it with Unix (LF) line endings'],
    ['a byte order mark', `\uFEFF${BASE}`, 'line 1 starts with an invisible byte order mark (BOM); save the file as UTF-8 without BOM'],
    ['quotes', BASE.replace('domain=stackspin.example.org', 'domain="stackspin.example.org"'), 'domain: remove the quotes around the value; values are taken literally'],
    ['a $', `${BASE}backup_s3_prefix=a$b\n`, 'backup_s3_prefix: must not contain ", $ or \\ (they break Flux substitution); remove them'],
    ['a bad domain', BASE.replace('domain=stackspin.example.org', 'domain=stackspin'), "domain: 'stackspin' must be a lower-case domain name like stackspin.example.org"],
    ['a bad IP address', BASE.replace('ip_address=203.0.113.7', 'ip_address=:'), "ip_address: ':' must be an IPv4 or IPv6 address like 1.2.3.4"],
    ['a bad time zone', `${BASE}maintenance_time_zone=Mars/Olympus\n`, "maintenance_time_zone: 'Mars/Olympus' must be an IANA time zone like Europe/Amsterdam or Etc/UTC"],
    ['a duplicate key', `${BASE}domain=other.example.org\n`, 'domain: set twice (lines 2 and 4); keep one'],
    ['equal window hours', `${BASE}flux_window_start_hour=3\nflux_window_end_hour=3\n`, 'flux_window_end_hour: must differ from flux_window_start_hour (both 3), or the window is empty'],
  ])('GIVEN an env file with %s WHEN planned THEN it is refused with the validator\'s message and nothing is planned', async (_what, text, message) => {
    const file = envFile(text);
    const result = await plan(['--env', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}: ${message}\n`);
    expect(result.stderr).toContain('bootstrap would refuse this file, so it is not used');
  });

  test('GIVEN a malformed line holding a password WHEN planned THEN the message names the line and key, never the value', async () => {
    const file = envFile(`${BASE}outgoing_mail_smtp_password = SuperSecret123\n`);
    const result = await plan(['--env', file]);
    expect(result.stderr).toContain(`${file}: line 4: outgoing_mail_smtp_password: not name=value`);
    expect(result.stderr).not.toContain('SuperSecret123');
  });

  test('GIVEN a valid env file WHEN parsed THEN its validated values and enabled apps are what is planned', () => {
    const args = parseArguments(['--env', envFile(`${BASE}enabled_apps=wekan\ncolour=blue\n`)]);
    expect(args.input.apps).toEqual(['wekan']);
    expect(args.input.variables.get('domain')).toBe('stackspin.example.org');
    expect(args.input.variables.has('colour')).toBe(false);
    expect(args.warnings[0]).toContain('colour: not a cluster variable, ignored');
    expect(args.warnings.slice(1).every((w) => w.includes('still the example of .flux.env.example'))).toBe(true);
  });
});

describe('missing tools and broken components', () => {
  test.each([
    ['validate', validate, [], 'validate: kubectl is missing: install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/\n'],
    ['plan', plan, [], 'plan: kubectl is missing: install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/\n'],
    ['graph', graph, [], 'graph: kubectl is missing: install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/\ndot is missing: apt-get install -y graphviz\n'],
  ])('GIVEN no kubectl WHEN %s runs THEN it prints one line per missing tool with how to install it', async (_name, command, argv, message) => {
    const before = docsFingerprint();
    const result = await withoutTools(() => command(argv));
    expect(result).toEqual({ code: 2, stdout: '', stderr: message });
    expect(docsFingerprint()).toBe(before);
  });

  test('GIVEN no git WHEN diff runs THEN it says so before anything else', async () => {
    const result = await withoutTools(() => diff(['HEAD']));
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'diff: git is missing: apt-get install -y git\ntar is missing: apt-get install -y tar\n' });
  });

  test('GIVEN a component that throws WHEN validate or diff builds the platform THEN each names the component and its file (plan and graph read only the tree)', async () => {
    const root = tempDir('components-');
    fs.mkdirSync(path.join(root, 'apps'));
    fs.writeFileSync(path.join(root, 'apps', 'thrower.ts'), `import { defineComponent, Layer, Namespaces } from '${ROOT}/constructs/component';
export const thrower = defineComponent({ name: 'thrower', layer: Layer.APP, namespace: Namespaces.APPS, build() { throw new Error('broken on purpose'); } });
`);
    const definitions = discoverComponents(root);
    for (const [name, command, argv] of [
      ['validate', validateCommand, []], ['diff', diffCommand, ['HEAD']],
    ] as const) {
      const result = await run(name, (a, o) => command(a, o, definitions), argv);
      expect(result).toEqual({ code: 2, stdout: '', stderr: `${name}: component thrower (apps/thrower.ts): broken on purpose\n` });
    }
  });
});
