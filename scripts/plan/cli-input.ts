import { GeneratedSecret } from '../../constructs/generated-secret';
import { optionalApps, readEnvFile, validateEnv } from '../flux-env';
import { parseArgs, UsageError } from '../lib/args';
import { requireSynthesizedTree } from '../lib/tree-dir';
import { ClusterInput, enabledApps, exampleVariables, generatedSecretKeys, withDerived } from './cluster-input';

/** The cluster a command-line call describes, or a request for the usage. */
export interface CliArguments {
  readonly help: boolean;
  readonly tree: string;
  /** Parsed but not yet given its generated secrets (see `withGeneratedSecrets`). */
  readonly input: Omit<ClusterInput, 'generatedSecrets'>;
  /** The env file's warnings (unknown keys), each a line. */
  readonly warnings: readonly string[];
}

export const PLAN_USAGE = 'usage: plan [--tree DIR] [--env FILE] [--apps a,b | --all-apps]\n'
  + '  --tree DIR   the synthesized tree (default dist/flux2)\n'
  + '  --env FILE   a .flux.env: validated like bootstrap does, then its variables, and its enabled_apps\n'
  + '               unless --apps/--all-apps (default: every cluster variable set to its example, no apps)\n'
  + '  --apps a,b   enable these optional apps; --all-apps enables every app of the tree\n';

/**
 * Parses the plan's arguments. `--env` is checked by the validator bootstrap uses
 * (scripts/flux-env.ts), with the same messages: a file bootstrap refuses is never planned "ok".
 */
export function parseArguments(argv: readonly string[]): CliArguments {
  const args = parseArgs(argv, { usage: PLAN_USAGE, options: { '--tree': 'DIR', '--env': 'FILE', '--apps': 'a,b' }, flags: ['--all-apps'] });
  if (args.help) return { help: true, tree: '', input: { variables: new Map(), apps: [], description: '' }, warnings: [] };
  const tree = args.options.get('--tree') ?? 'dist/flux2';
  const { warnings, ...input } = selectCluster({
    tree, envFile: args.options.get('--env'), apps: args.options.get('--apps'), allApps: args.flags.has('--all-apps'), usage: PLAN_USAGE, defaultApps: 'none',
  });
  return { help: false, tree, input, warnings };
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

/**
 * The variables and apps of the selected cluster. `--env` is checked by the validator bootstrap
 * uses (scripts/flux-env.ts), with the same messages: a file bootstrap refuses is never used.
 */
export function selectCluster(selection: ClusterSelection): Omit<ClusterInput, 'generatedSecrets'> & { readonly warnings: readonly string[] } {
  if (selection.apps !== undefined && selection.allApps) {
    throw new UsageError('--apps and --all-apps contradict each other; give one', selection.usage);
  }
  requireSynthesizedTree(selection.tree, '--tree');
  const available = optionalApps(selection.tree);
  const { envFile } = selection;
  let variables: Map<string, string>;
  let warnings: string[] = [];
  if (envFile === undefined) {
    variables = exampleVariables();
  } else {
    const result = validateEnv(readEnvFile(envFile, `--env ${envFile}`), { apps: available });
    if (result.errors.length > 0) {
      throw new Error([...result.errors.map((e) => `${envFile}: ${e}`), `${envFile}: ${result.errors.length} problem(s); bootstrap would refuse this file, so it is not used`].join('\n'));
    }
    variables = withDerived(new Map(Object.entries(result.values) as [string, string][]));
    warnings = result.warnings.map((w) => `${envFile}: warning: ${w}`);
  }
  const listed = selection.apps?.split(',').filter((a) => a !== '');
  const fallback = envFile === undefined && selection.defaultApps === 'all' ? available : enabledApps(variables);
  const chosen = selection.allApps ? available : listed ?? fallback;
  const unknown = chosen.filter((app) => !available.includes(app));
  if (unknown.length > 0) throw new Error(`unknown app(s) ${unknown.join(', ')}; the tree's optional apps are: ${available.join(', ')}`);
  return { variables, apps: [...chosen].sort(), description: envFile ?? 'the example value of every cluster variable', warnings };
}

/** The input with the generated secrets the constructs declare. */
export function withGeneratedSecrets(input: CliArguments['input'], generatedSecrets: readonly GeneratedSecret[]): ClusterInput {
  return { ...input, generatedSecrets: generatedSecretKeys(generatedSecrets) };
}
