import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { recorder, runCommand } from '../../scripts/lib/command';
import { renderCommand } from '../../scripts/render';
import { exampleVariables } from '../../scripts/plan/cluster-input';
import { ensureChart } from '../../scripts/render/chart-cache';
import { locateHelm } from '../../scripts/render/helm';
import { renderPlatform } from './platform';

const temp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'render-test-'));

async function render(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = recorder();
  const code = await runCommand('render', renderCommand, argv, output);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

describe('npm run render', () => {
  test('GIVEN --help WHEN run THEN it prints the usage and exits 0', async () => {
    const result = await render(['--help']);
    expect([result.code, result.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^usage: render /)]);
  });

  test.each([
    [['--release'], /^render: --release needs a value/],
    [['--release', '--no-cache'], /^render: --release needs a value, got the flag '--no-cache'/],
    [['--override', 'x.yaml'], /^render: --override needs exactly one --release: the release whose override it stands for$/],
    [['--release', 'a,b', '--override', 'x.yaml'], /^render: --override needs exactly one --release/],
    [['--release', 'nextcloud', '--override', '/nonexistent.yaml'], /^render: --override \/nonexistent.yaml: no such file; give a values file like my-values.yaml$/],
    [['--apps', 'zulip', '--all-apps'], /^render: --apps and --all-apps contradict each other; give one$/],
    [['--tree', 'scripts'], /^render: --tree scripts: not a synthesized tree/],
    [['--bogus'], /^render: .*--bogus/],
  ])('GIVEN %j WHEN run THEN it refuses with one line and exit 2, rendering nothing', async (argv, message) => {
    const result = await render(argv);
    expect({ code: result.code, first: result.stderr.split('\n')[0], stdout: result.stdout }).toEqual({ code: 2, first: expect.stringMatching(message), stdout: '' });
  });

  test('GIVEN a release that does not exist WHEN run THEN the message lists the releases', async () => {
    const result = await render(['--release', 'nosuch', '--out', temp()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^render: no HelmRelease nosuch in this cluster; its releases are .*stackspin-apps\/nextcloud/);
    expect(result.stdout).toBe('');
  });

  test('GIVEN an override file for one release WHEN rendered THEN only that release is written, with the override applied', async () => {
    const dir = temp();
    const override = path.join(dir, 'override.yaml');
    fs.writeFileSync(override, 'replicaCount: 3\n');
    const out = path.join(dir, 'out');
    const result = await render(['--release', 'stackspin-apps/nextcloud', '--override', override, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nstackspin-apps\/nextcloud +nextcloud 9\.2\.4 .* ok\n/);
    expect(fs.readdirSync(out, { recursive: true })).toEqual(['stackspin-apps', path.join('stackspin-apps', 'nextcloud.yaml')]);
    const docs = parseAllDocuments(fs.readFileSync(path.join(out, 'stackspin-apps', 'nextcloud.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'nc-nextcloud').spec.replicas).toBe(3);
  });
});

describe('rendering as helm-controller would', () => {
  test('GIVEN velero enabled without the backup_s3_* settings WHEN rendered THEN velero fails naming the settings, not a chart schema error', async () => {
    const variables = new Map([...exampleVariables()].filter(([name]) => !name.startsWith('backup_s3_')));
    const result = await renderPlatform(variables);
    const velero = result.releases.find((r) => r.id === 'HelmRelease velero/velero')!;
    expect(velero.error).toMatch(/^valuesFrom ConfigMap velero\/velero-values: \$\{backup_s3_bucket\} is unresolved/);
    expect(velero.error).not.toMatch(/schema/);
    expect(result.releases.filter((r) => r.error !== undefined).map((r) => r.id)).toEqual(['HelmRelease velero/velero']);
  });

  test('GIVEN the machine WHEN Helm is looked for THEN HELM, then helm on PATH, else the binary in the dev dependency is used', () => {
    const helm = locateHelm();
    expect(helm.version).toMatch(/^v[34]\./);
    expect(fs.existsSync(helm.path)).toBe(true);
  });
});

describe('the chart cache', () => {
  const saved = { cache: process.env.CHART_CACHE, seed: process.env.CHART_CACHE_SEED, https: process.env.HTTPS_PROXY, http: process.env.HTTP_PROXY };
  afterEach(() => {
    for (const [name, value] of [['CHART_CACHE', saved.cache], ['CHART_CACHE_SEED', saved.seed], ['HTTPS_PROXY', saved.https], ['HTTP_PROXY', saved.http]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('GIVEN a chart neither cached nor reachable WHEN ensured THEN one line names chart, version, repository and the command, never a skip', () => {
    process.env.CHART_CACHE = temp();
    process.env.CHART_CACHE_SEED = temp();
    // Helm's pull then fails on a closed loopback port, before any lookup of the repository's host.
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    expect(() => ensureChart({ repository: 'https://charts.invalid/stackspin', chart: 'nothing', version: '1.2.3' }))
      .toThrow(/^chart nothing 1\.2\.3 from https:\/\/charts\.invalid\/stackspin is not in .* and could not be pulled \(.+\); run `npm run charts` where the repository is reachable, or copy nothing-1\.2\.3\.tgz into /);
  });

  test('GIVEN a chart neither cached nor seeded WHEN ensured without pulling (the e2e) THEN one line says so, names the fix, and nothing is asked of the network', () => {
    process.env.CHART_CACHE = temp();
    process.env.CHART_CACHE_SEED = temp();
    expect(() => ensureChart({ repository: 'oci://ghcr.io/example/charts', chart: 'nothing', version: '1.2.3' }, { pull: false }))
      .toThrow(new RegExp(`^chart nothing 1\\.2\\.3 from oci://ghcr\\.io/example/charts is not in ${process.env.CHART_CACHE} nor in a seed \\(${process.env.CHART_CACHE_SEED}\\), and this command downloads nothing; run \`npm run charts\` where the repository is reachable, or copy nothing-1\\.2\\.3\\.tgz into `));
    expect(fs.readdirSync(process.env.CHART_CACHE)).toEqual([]);
  });

  test('GIVEN a seed whose archive does not match its SHA256SUMS WHEN ensured THEN it is refused naming the file', () => {
    const seed = temp();
    process.env.CHART_CACHE = temp();
    process.env.CHART_CACHE_SEED = seed;
    fs.writeFileSync(path.join(seed, 'demo-1.0.0.tgz'), 'not the chart');
    fs.writeFileSync(path.join(seed, 'SHA256SUMS'), `${'0'.repeat(64)}  demo-1.0.0.tgz\n`);
    expect(() => ensureChart({ repository: 'https://charts.invalid', chart: 'demo', version: '1.0.0' }))
      .toThrow(/demo-1\.0\.0\.tgz does not match its digest in .*SHA256SUMS/);
  });

  /** A seed holding `demo-1.0.0.tgz` with its digest in SHA256SUMS. */
  function seeded(content = 'archive'): { seed: string; chart: { repository: string; chart: string; version: string } } {
    const seed = temp();
    process.env.CHART_CACHE = temp();
    process.env.CHART_CACHE_SEED = seed;
    fs.writeFileSync(path.join(seed, 'demo-1.0.0.tgz'), content);
    fs.writeFileSync(path.join(seed, 'SHA256SUMS'), `${createHash('sha256').update(content).digest('hex')}  demo-1.0.0.tgz\n`);
    return { seed, chart: { repository: 'https://charts.invalid', chart: 'demo', version: '1.0.0' } };
  }

  test('GIVEN a seed with the archive WHEN ensured THEN it is copied into the cache once, then served from there', () => {
    const { seed, chart } = seeded();
    expect(ensureChart(chart).source).toBe('seeded');
    fs.rmSync(path.join(seed, 'demo-1.0.0.tgz'));
    expect(ensureChart(chart)).toMatchObject({ source: 'cached', file: path.join(process.env.CHART_CACHE!, 'demo-1.0.0.tgz') });
  });

  test('GIVEN a seed archive its SHA256SUMS does not list WHEN ensured THEN it is refused unchecked, naming the line to add, and nothing is cached', () => {
    const { seed, chart } = seeded();
    fs.writeFileSync(path.join(seed, 'SHA256SUMS'), '');
    expect(() => ensureChart(chart)).toThrow(`${path.join(seed, 'demo-1.0.0.tgz')} has no digest in ${path.join(seed, 'SHA256SUMS')}, so it cannot be checked; add its line (cd ${seed} && sha256sum demo-1.0.0.tgz >> SHA256SUMS) once you trust the file, or remove it from the seed`);
    expect(fs.readdirSync(process.env.CHART_CACHE!)).toEqual([]);
  });

  test('GIVEN a truncated archive in the cache WHEN ensured THEN it is found damaged and seeded again', () => {
    const { chart } = seeded('the whole archive');
    const file = ensureChart(chart).file;
    fs.writeFileSync(file, 'the whole');
    expect(ensureChart(chart).source).toBe('seeded');
    expect(fs.readFileSync(file, 'utf8')).toBe('the whole archive');
  });

  test('GIVEN a damaged archive in the cache and nowhere to get it again WHEN ensured THEN the message says it was removed and how to fetch it', () => {
    const { seed, chart } = seeded();
    const file = ensureChart(chart).file;
    fs.appendFileSync(file, 'x');
    fs.rmSync(seed, { recursive: true });
    expect(() => ensureChart(chart, { pull: false })).toThrow(/\(the cached demo-1\.0\.0\.tgz did not match the digest recorded when it was cached, so it was removed\), and this command downloads nothing; run `npm run charts`/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('post-rendering several releases in one kustomize run', () => {
  test('GIVEN one release whose patch cannot apply WHEN rendered with the others THEN only that release fails, naming the post-renderer', async () => {
    const tree = path.join(temp(), 'flux2');
    fs.cpSync(path.join(__dirname, '..', '..', 'dist', 'flux2'), tree, { recursive: true });
    const file = path.join(tree, 'apps', 'wekan', 'helmrelease-wekan.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('/spec/volumeClaimTemplates/0/metadata/labels', '/spec/volumeClaimTemplates/7/metadata/labels'));
    const result = await render(['--tree', tree, '--release', 'wekan,zulip,nextcloud', '--out', temp(), '--no-cache']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\nstackspin-apps\/wekan +wekan .* FAILED: post-renderer 0: .*volumeClaimTemplates/);
    expect(result.stdout).toMatch(/\nstackspin-apps\/zulip +zulip .* ok\n/);
    expect(result.stdout).toMatch(/\nstackspin-apps\/nextcloud +nextcloud .* ok\n/);
  });
});

describe('renders at once', () => {
  test('GIVEN three renders into one output folder at once, each its own process WHEN all finish THEN each succeeds and the folder holds one whole output', async () => {
    const out = path.join(temp(), 'out');
    const root = path.join(__dirname, '..', '..');
    const run = (): Promise<{ code: number | null; stderr: string }> => new Promise((resolve) => {
      const child = spawn(process.execPath, ['-r', './scripts/lib/ts-loader.js', 'scripts/render.ts', '--release', 'traefik', '--out', out], { cwd: root, env: process.env });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0].map((code) => ({ code, stderr: '' })));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
    expect(fs.readdirSync(path.join(out, 'stackspin'))).toEqual(['traefik.yaml']);
  });
});
