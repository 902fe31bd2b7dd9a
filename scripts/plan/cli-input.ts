import { isSensitive } from '../../constructs/cluster-variables';
import { withholdFromCaches } from '../../constructs/withheld-values';
import { optionalApps, readEnvFile, validateEnv } from '../flux-env';
import { parseArgs, UsageError } from '../lib/args';
import { requireSynthesizedTree } from '../lib/tree-dir';
import { ClusterInput, enabledApps, exampleVariables, withDerived } from './cluster-input';

/** The cluster a command-line call describes, or a request for the usage. */
export interface CliArguments {
  readonly help: boolean;
  readonly tree: string;
  readonly input: ClusterInput;
  /** The env file's warnings (unknown keys), each a line. */
  readonly warnings: readonly string[];
  /** `--upgrade-from`: the revision the cluster was bootstrapped at; `env` and `apps` then describe that cluster. */
  readonly upgradeFrom?: string;
  /** The `--env` file's variables, when given. */
  readonly env?: ReadonlyMap<string, string>;
  /** `--apps` (or `--all-apps`, or the `--env` file's enabled_apps), when given. */
  readonly apps?: readonly string[] | 'all';
}

export const PLAN_USAGE = 'usage: plan [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--upgrade-from GIT-REF]\n'
  + '  --tree DIR   the synthesized tree (default dist/flux2)\n'
  + '  --env FILE   a .flux.env: validated like bootstrap does, then its variables, and its enabled_apps\n'
  + '               unless --apps/--all-apps (default: every cluster variable set to its example, no apps)\n'
  + '  --apps a,b   enable these optional apps; --all-apps enables every app of the tree\n'
  + '  --upgrade-from GIT-REF   a cluster bootstrapped at GIT-REF (its committed tree, variables and\n'
  + '               generated secrets; every app it offers unless --apps) pulls the tree: what fails,\n'
  + '               what Flux deletes, what needs a manual step\n';

/**
 * Parses the plan's arguments. A fresh cluster has no generated secret yet: the tree's
 * declarations say which keys the in-cluster generator creates.
 */
export function parseArguments(argv: readonly string[]): CliArguments {
  const args = parseArgs(argv, { usage: PLAN_USAGE, options: { '--tree': 'DIR', '--env': 'FILE', '--apps': 'a,b', '--upgrade-from': 'GIT-REF' }, flags: ['--all-apps'] });
  const empty: ClusterInput = { variables: new Map(), generatedSecrets: new Map(), apps: [], description: '' };
  if (args.help) return { help: true, tree: '', input: empty, warnings: [] };
  const tree = args.options.get('--tree') ?? 'dist/flux2';
  const selection = { tree, envFile: args.options.get('--env'), apps: args.options.get('--apps'), allApps: args.flags.has('--all-apps'), usage: PLAN_USAGE };
  const upgradeFrom = args.options.get('--upgrade-from');
  if (upgradeFrom === undefined) {
    const { warnings, ...input } = selectCluster({ ...selection, defaultApps: 'none' });
    return { help: false, tree, input: { ...input, generatedSecrets: new Map() }, warnings };
  }
  // An upgrade's apps are those of the older tree, checked against it later.
  refuseContradictions(selection);
  requireSynthesizedTree(tree, '--tree');
  const env = selection.envFile === undefined ? undefined : readClusterEnv(selection.envFile, optionalApps(tree));
  const listed = selection.apps?.split(',').filter((a) => a !== '');
  const apps = selection.allApps ? 'all' : listed ?? (env === undefined ? undefined : enabledApps(env.variables));
  return {
    help: false,
    tree,
    input: { ...empty, variables: env?.variables ?? exampleVariables(), description: selection.envFile ?? 'the example value of every cluster variable' },
    warnings: env?.warnings ?? [],
    upgradeFrom,
    env: env?.variables,
    apps,
  };
}

/** Which cluster a command simulates: its tree, env file and apps as given on the command line. */
export interface ClusterSelection {
  readonly tree: string;
  readonly envFile?: string;
  /** `--apps a,b`. */
  readonly apps?: string;
  /** `--all-apps`. */
  readonly allApps: boolean;
  readonly usage: string;
  /** The apps when neither an env file nor `--apps`/`--all-apps` says: none (plan) or every one (render). */
  readonly defaultApps: 'none' | 'all';
}

function refuseContradictions(selection: Pick<ClusterSelection, 'apps' | 'allApps' | 'usage'>): void {
  if (selection.apps !== undefined && selection.allApps) {
    throw new UsageError('--apps and --all-apps contradict each other; give one', selection.usage);
  }
}

/**
 * An env file's variables (with the derived ones bootstrap adds), checked by the validator
 * bootstrap uses (scripts/flux-env.ts), with the same messages: a file bootstrap refuses is never used.
 */
function readClusterEnv(envFile: string, apps: readonly string[]): { variables: Map<string, string>; warnings: string[] } {
  const result = validateEnv(readEnvFile(envFile, `--env ${envFile}`), { apps });
  if (result.errors.length > 0) {
    throw new Error([...result.errors.map((e) => `${envFile}: ${e}`), `${envFile}: ${result.errors.length} problem(s); bootstrap would refuse this file, so it is not used`].join('\n'));
  }
  const variables = withDerived(new Map(Object.entries(result.values) as [string, string][]));
  withholdFromCaches([...variables].filter(([name]) => isSensitive(name)).map(([, value]) => value));
  return { variables, warnings: result.warnings.map((w) => `${envFile}: warning: ${w}`) };
}

/** The variables and apps of the selected cluster, which has not generated any secret yet. */
export function selectCluster(selection: ClusterSelection): Omit<ClusterInput, 'generatedSecrets'> & { readonly warnings: readonly string[] } {
  refuseContradictions(selection);
  requireSynthesizedTree(selection.tree, '--tree');
  const available = optionalApps(selection.tree);
  const { envFile } = selection;
  const env = envFile === undefined ? { variables: exampleVariables(), warnings: [] } : readClusterEnv(envFile, available);
  const listed = selection.apps?.split(',').filter((a) => a !== '');
  const fallback = envFile === undefined && selection.defaultApps === 'all' ? available : enabledApps(env.variables);
  const chosen = checkApps(selection.allApps ? 'all' : listed ?? fallback, available, 'the tree');
  return { variables: env.variables, apps: [...chosen].sort(), description: envFile ?? 'the example value of every cluster variable', warnings: env.warnings };
}

/** The chosen apps, `all` resolved, refusing any the tree does not offer. */
export function checkApps(chosen: readonly string[] | 'all', available: readonly string[], tree: string): readonly string[] {
  const apps = chosen === 'all' ? available : chosen;
  const unknown = apps.filter((app) => !available.includes(app));
  if (unknown.length > 0) throw new Error(`unknown app(s) ${unknown.join(', ')}; ${tree}'s optional apps are: ${available.join(', ')}`);
  return apps;
}
