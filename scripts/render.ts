/**
 * `npm run render -- [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--release NAME]...
 * [--override FILE]... [--out DIR] [--no-cache]`: renders every HelmRelease of the tree as
 * helm-controller would (see scripts/render/render.ts), writes each release's objects to
 * `<out>/<namespace>/<name>.yaml` and prints a summary table. Exit 0 when every release renders,
 * 1 when one does not, 2 on bad arguments or a refused env file.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { toYaml } from '../constructs/tree-writer';
import { anyWithheld } from '../constructs/withheld-values';
import { parseArgs, UsageError } from './lib/args';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';
import { selectCluster } from './plan/cli-input';
import { isHelmRelease } from './plan/model';
import { prepareTree } from './plan/simulate';
import { PROJECT_ROOT } from './render/helm';
import { RenderedRelease, renderReleases, selects } from './render/render';
import { formatSummary } from './render/summary';

export const RENDER_USAGE = `usage: render [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--release NAME]... [--override FILE]... [--out DIR] [--no-cache]
  --tree DIR       the synthesized tree (default dist/flux2)
  --env FILE       a .flux.env: its variables and enabled_apps (default: every variable's example, every app)
  --apps a,b       render these optional apps (with core); --all-apps renders every app
  --release NAME   render only this HelmRelease (name or namespace/name); several as a,b
  --override FILE  a values file applied after the release's own values, as its
                   stackspin-<name>-override would be; needs exactly one release
  --out DIR        where each release's objects go (default .cache/render/out)
  --no-cache       render every release again instead of reusing unchanged results
`;

/** One release's objects in `out`; readable by the owner alone when they may hold the --env file's secrets. */
function writeRelease(out: string, release: RenderedRelease): void {
  const file = path.join(out, release.namespace, `${release.release.metadata.name}.yaml`);
  const secret = anyWithheld();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: secret ? 0o700 : 0o777 });
  const documents = [...release.crds, ...release.objects.map((o) => o.manifest)];
  fs.writeFileSync(file, documents.map((d) => `---\n${toYaml(d)}`).join(''), { mode: secret ? 0o600 : 0o666 });
}

/**
 * Writes the releases into a folder of this run's own and renames it into place, so two renders
 * at once never write into one folder or delete it under each other: each ends with a whole
 * output, the last one's.
 */
function publishReleases(out: string, releases: readonly RenderedRelease[]): void {
  const run = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = `${out}.tmp-${run}`;
  const old = `${out}.old-${run}`;
  fs.mkdirSync(staging, { recursive: true, mode: anyWithheld() ? 0o700 : 0o777 });
  for (const release of releases) writeRelease(staging, release);
  for (let attempt = 1; ; attempt++) {
    try {
      fs.renameSync(out, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      fs.renameSync(staging, out);
      break;
    } catch (e) {
      // Another render published between the two renames: move its output aside too.
      if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '') || attempt === 10) throw e;
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  }
}

/** The command. Like the plan, it reads only the tree: generated keys are declared there. */
export async function renderCommand(argv: readonly string[], output: Output): Promise<number> {
  const args = parseArgs(argv, {
    usage: RENDER_USAGE,
    options: { '--tree': 'DIR', '--env': 'FILE', '--apps': 'a,b', '--release': 'NAME', '--override': 'FILE', '--out': 'DIR' },
    flags: ['--all-apps', '--no-cache'],
  });
  if (args.help) {
    output.out(RENDER_USAGE);
    return 0;
  }
  const releases = args.options.get('--release')?.split(',').filter((r) => r !== '') ?? [];
  const override = args.options.get('--override');
  if (override !== undefined && releases.length !== 1) {
    throw new UsageError('--override needs exactly one --release: the release whose override it stands for', RENDER_USAGE);
  }
  if (override !== undefined && !(fs.existsSync(override) && fs.statSync(override).isFile())) {
    throw new UsageError(`--override ${override}: no such file; give a values file like my-values.yaml`, RENDER_USAGE);
  }
  const tree = args.options.get('--tree') ?? 'dist/flux2';
  const { warnings, ...input } = selectCluster({
    tree, envFile: args.options.get('--env'), apps: args.options.get('--apps'), allApps: args.flags.has('--all-apps'), usage: RENDER_USAGE, defaultApps: 'all',
  });
  for (const warning of warnings) output.err(`${warning}\n`);
  requireTools(['kubectl', 'tar']);
  // A fresh cluster: every generated key comes from the in-cluster generator, shaped as declared.
  const result = await renderReleases(await prepareTree(tree), {
    input: { ...input, generatedSecrets: new Map() },
    only: releases.length > 0 ? releases : undefined,
    overrides: override === undefined ? undefined : new Map([[releases[0], [override]]]),
    cache: !args.flags.has('--no-cache'),
  });
  const all = [...result.plan.objects.values()].filter((o) => isHelmRelease(o.manifest));
  const missing = releases.filter((r) => !all.some((o) => selects(r, o)));
  if (missing.length > 0) {
    throw new UsageError(`no HelmRelease ${missing.join(', ')} in this cluster; its releases are ${all.map((o) => o.id.replace('HelmRelease ', '')).join(', ')}`, RENDER_USAGE);
  }
  const out = args.options.get('--out') ?? path.join(PROJECT_ROOT, '.cache', 'render', 'out');
  publishReleases(out, result.releases);
  output.out(formatSummary(result, input.description, out));
  return result.releases.every((r) => r.error === undefined) ? 0 : 1;
}

if (require.main === module) commandMain('render', renderCommand);
