/**
 * `npm run render -- [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--release NAME]...
 * [--override FILE]... [--out DIR] [--no-cache]`: renders every HelmRelease of the tree as
 * helm-controller would (see scripts/render/render.ts), writes each release's objects to
 * `<out>/<namespace>/<name>.yaml` and prints a summary table. Exit 0 when every release renders,
 * 1 when one does not, 2 on bad arguments.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GeneratedSecret } from '../constructs/generated-secret';
import { toYaml } from '../constructs/tree-writer';
import { buildApp } from '../main';
import { optionalApps, validateEnv } from './flux-env';
import { enabledApps, exampleVariables, generatedSecretKeys, parseFluxEnv } from './plan/cluster-input';
import { prepareTree } from './plan/simulate';
import { PROJECT_ROOT } from './render/helm';
import { placeholderValues } from './render/placeholders';
import { RenderedRelease, renderReleases, selects } from './render/render';
import { isHelmRelease } from './plan/model';
import { formatSummary } from './render/summary';

const USAGE = `usage: render [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--release NAME]... [--override FILE]... [--out DIR] [--no-cache]
  --tree DIR       the synthesized tree (default dist/flux2)
  --env FILE       a .flux.env: its variables and enabled_apps (default: every variable's example, every app)
  --apps a,b       render these optional apps (with core); --all-apps renders every app
  --release NAME   render only this HelmRelease (name or namespace/name); repeat for more
  --override FILE  a values file applied after the release's own values, as its
                   stackspin-<name>-override would be; needs exactly one --release
  --out DIR        where each release's objects go (default .cache/render/out)
  --no-cache       render every release again instead of reusing unchanged results
`;

interface Arguments {
  readonly tree: string;
  readonly envFile?: string;
  readonly apps?: readonly string[] | 'all';
  readonly releases: readonly string[];
  readonly overrides: readonly string[];
  readonly out: string;
  readonly cache: boolean;
}

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): Arguments | 'help' {
  let tree = 'dist/flux2';
  let envFile: string | undefined;
  let apps: string[] | 'all' | undefined;
  const releases: string[] = [];
  const overrides: string[] = [];
  let out = path.join(PROJECT_ROOT, '.cache', 'render', 'out');
  let cache = true;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a value${next === undefined ? '' : `, got the option '${next}'`}; write ${flag} VALUE`);
      return next;
    };
    switch (flag) {
      case '-h': case '--help': return 'help';
      case '--tree': tree = value(); break;
      case '--env': envFile = value(); break;
      case '--apps':
        if (apps === 'all') throw new UsageError('--apps and --all-apps contradict each other; give one');
        apps = value().split(',').filter((a) => a !== '');
        break;
      case '--all-apps':
        if (Array.isArray(apps)) throw new UsageError('--apps and --all-apps contradict each other; give one');
        apps = 'all';
        break;
      case '--release': releases.push(...value().split(',').filter((r) => r !== '')); break;
      case '--override': overrides.push(value()); break;
      case '--out': out = value(); break;
      case '--no-cache': cache = false; break;
      default: throw new UsageError(`unknown argument '${flag}'`);
    }
  }
  if (!fs.existsSync(path.join(tree, 'cluster', 'core', 'kustomization.yaml'))) {
    throw new UsageError(`--tree ${tree} is not a synthesized tree (it has no cluster/core/kustomization.yaml); run npm run synth, or point --tree at one`);
  }
  if (overrides.length > 0 && releases.length !== 1) throw new UsageError('--override needs exactly one --release: the release whose override it stands for');
  for (const file of overrides) {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`--override ${file}: no such file`);
  }
  return { tree, envFile, apps, releases, overrides, out, cache };
}

/** The cluster variables: the env file's after the one validator accepts it, else every example. */
function variablesOf(args: Arguments, treeApps: readonly string[]): { variables: Map<string, string>; description: string } {
  if (args.envFile === undefined) return { variables: exampleVariables(), description: 'the example value of every cluster variable' };
  if (!fs.existsSync(args.envFile) || !fs.statSync(args.envFile).isFile()) throw new UsageError(`--env ${args.envFile}: no such file`);
  const text = fs.readFileSync(args.envFile, 'utf8');
  const { errors } = validateEnv(text, { apps: treeApps });
  if (errors.length > 0) throw new UsageError(`${errors.map((e) => `${args.envFile}: ${e}`).join('\n')}\n${args.envFile}: fix these first (npx ts-node --transpile-only scripts/flux-env.ts validate ${args.envFile})`);
  return { variables: parseFluxEnv(text), description: args.envFile };
}

function writeRelease(out: string, release: RenderedRelease): void {
  const file = path.join(out, release.namespace, `${release.release.metadata.name}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const documents = [...release.crds, ...release.objects.map((o) => o.manifest)];
  fs.writeFileSync(file, documents.map((d) => `---\n${toYaml(d)}`).join(''));
}

/** The command's result: what goes to stdout and stderr, and the exit code. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs the command in-process (tests call it directly). */
export async function renderCommand(argv: readonly string[]): Promise<CommandResult> {
  try {
    const args = parseArguments(argv);
    if (args === 'help') return { stdout: USAGE, stderr: '', code: 0 };
    const treeApps = optionalApps(args.tree);
    const { variables, description } = variablesOf(args, treeApps);
    const chosen = args.apps === 'all' || (args.apps === undefined && args.envFile === undefined) ? treeApps : args.apps ?? enabledApps(variables);
    const unknown = chosen.filter((a) => !treeApps.includes(a));
    if (unknown.length > 0) throw new UsageError(`unknown app(s) ${unknown.join(', ')}; the tree's optional apps are: ${treeApps.join(', ') || 'none (is --tree a synthesized tree?)'}`);
    const secrets = GeneratedSecret.all(buildApp());
    const prepared = await prepareTree(args.tree);
    const result = await renderReleases(prepared, {
      input: { variables, generatedSecrets: generatedSecretKeys(secrets), generatedValues: placeholderValues(secrets), apps: [...chosen].sort(), description },
      only: args.releases.length > 0 ? args.releases : undefined,
      overrides: args.overrides.length > 0 ? new Map([[args.releases[0], args.overrides]]) : undefined,
      cache: args.cache,
    });
    const all = [...result.plan.objects.values()].filter((o) => isHelmRelease(o.manifest));
    const missing = args.releases.filter((r) => !all.some((o) => selects(r, o)));
    if (missing.length > 0) throw new UsageError(`no HelmRelease ${missing.join(', ')} in this cluster; its releases are ${all.map((o) => o.id.replace('HelmRelease ', '')).join(', ')}`);
    fs.rmSync(args.out, { recursive: true, force: true });
    for (const release of result.releases) writeRelease(args.out, release);
    return { stdout: formatSummary(result, description, args.out), stderr: '', code: result.releases.every((r) => r.error === undefined) ? 0 : 1 };
  } catch (e) {
    if (e instanceof UsageError) return { stdout: '', stderr: `render: ${e.message}\n${USAGE}`, code: 2 };
    return { stdout: '', stderr: `render: ${(e as Error).message}\n`, code: 1 };
  }
}

if (require.main === module) {
  renderCommand(process.argv.slice(2)).then(({ stdout, stderr, code }) => {
    process.stdout.write(stdout);
    process.stderr.write(stderr);
    process.exitCode = code;
  });
}
