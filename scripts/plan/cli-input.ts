import * as fs from 'fs';
import { optionalApps } from '../flux-env';
import { ClusterInput, enabledApps, exampleVariables, parseFluxEnv } from './cluster-input';

/** The cluster a command-line call describes. */
export interface CliArguments {
  readonly tree: string;
  readonly input: ClusterInput;
  /** `--upgrade-from`: the revision the cluster was bootstrapped at; `env` and `apps` then describe that cluster. */
  readonly upgradeFrom?: string;
  /** The `--env` file's variables, when given. */
  readonly env?: ReadonlyMap<string, string>;
  /** `--apps` (or `--all-apps`, or the `--env` file's enabled_apps), when given. */
  readonly apps?: readonly string[] | 'all';
}

export const PLAN_USAGE = 'usage: plan [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--upgrade-from GIT-REF]\n'
  + '  --tree DIR   the synthesized tree (default dist/flux2)\n'
  + '  --env FILE   a .flux.env-style file: its variables, and its enabled_apps unless --apps/--all-apps\n'
  + '               (default: every cluster variable set to its example, no apps)\n'
  + '  --apps a,b   enable these optional apps; --all-apps enables every app of the tree\n'
  + '  --upgrade-from GIT-REF   a cluster bootstrapped at GIT-REF (its committed tree, variables and\n'
  + '               generated secrets; every app it offers unless --apps) pulls the tree: what fails,\n'
  + '               what Flux deletes, what needs a manual step\n';

/**
 * Parses the plan's arguments. A fresh cluster has no generated secret yet: the tree's
 * declarations say which keys the in-cluster generator creates.
 */
export function parseArguments(argv: readonly string[]): CliArguments {
  let tree = 'dist/flux2';
  let envFile: string | undefined;
  let apps: string[] | 'all' | undefined;
  let upgradeFrom: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${argv[i - 1]} needs a value\n${PLAN_USAGE}`);
      return next;
    };
    switch (argv[i]) {
      case '--tree': tree = value(); break;
      case '--env': envFile = value(); break;
      case '--apps': apps = value().split(',').filter((a) => a !== ''); break;
      case '--all-apps': apps = 'all'; break;
      case '--upgrade-from': upgradeFrom = value(); break;
      default: throw new Error(`unknown argument '${argv[i]}'\n${PLAN_USAGE}`);
    }
  }
  if (envFile !== undefined && !fs.existsSync(envFile)) throw new Error(`--env ${envFile}: no such file`);
  const variables = envFile === undefined ? exampleVariables() : parseFluxEnv(fs.readFileSync(envFile, 'utf8'));
  const requested = apps ?? (envFile === undefined ? undefined : enabledApps(variables));
  const env = envFile === undefined ? undefined : variables;
  const input = { variables, generatedSecrets: new Map(), apps: [], description: envFile ?? 'the example value of every cluster variable' };
  // An upgrade's apps are those of the older tree, checked against it.
  if (upgradeFrom !== undefined) return { tree, input, upgradeFrom, env, apps: requested };
  return { tree, input: { ...input, apps: [...checkApps(requested ?? [], optionalApps(tree), 'the tree')].sort() }, env, apps: requested };
}

/** The chosen apps, `all` resolved, refusing any the tree does not offer. */
export function checkApps(chosen: readonly string[] | 'all', available: readonly string[], tree: string): readonly string[] {
  const apps = chosen === 'all' ? available : chosen;
  const unknown = apps.filter((app) => !available.includes(app));
  if (unknown.length > 0) throw new Error(`unknown app(s) ${unknown.join(', ')}; ${tree}'s optional apps are: ${available.join(', ')}`);
  return apps;
}
