/**
 * `npm run plan -- [--tree DIR] [--env FILE] [--apps a,b | --all-apps] [--upgrade-from GIT-REF]`:
 * simulates bootstrap and Flux on one cluster, offline, and prints the waves of what gets
 * installed and anything that would fail (see scripts/plan/events.ts for the wave model); with
 * `--upgrade-from`, a cluster bootstrapped at GIT-REF that pulls the tree, and what that does to it
 * (scripts/plan/upgrade.ts). Exit 0 when the plan is clean, 1 when something would fail or needs a
 * person, 2 on bad arguments, a refused env file or an unreadable tree.
 */
import * as path from 'path';
import { fileAtRef, trailersSince, treeAtRef } from './diff/git-tree';
import { optionalApps } from './flux-env';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';
import { checkApps, CliArguments, parseArguments, PLAN_USAGE } from './plan/cli-input';
import { formatPlan } from './plan/report';
import { planCluster, prepareTree } from './plan/simulate';
import { formatUpgrade, planUpgrade } from './plan/upgrade';
import { bootstrappedCluster, currentVariables, documentedVariables } from './plan/upgrade-cluster';

/** The commit-message trailer that accepts an upgrade finding: `Upgrade-Accepted: <kind> <object>`. */
export const ACCEPT_TRAILER = 'Upgrade-Accepted';

/** The command. The plan reads only the tree: its generated secrets are declared there. */
export async function planCommand(argv: readonly string[], output: Output): Promise<number> {
  const args = parseArguments(argv);
  if (args.help) {
    output.out(PLAN_USAGE);
    return 0;
  }
  for (const warning of args.warnings) output.err(`${warning}\n`);
  requireTools(['kubectl']);
  if (args.upgradeFrom !== undefined) return upgrade(args, args.upgradeFrom, output);
  const plan = planCluster(await prepareTree(args.tree), args.input);
  output.out(formatPlan(plan));
  return plan.problems.length === 0 ? 0 : 1;
}

async function upgrade(args: CliArguments, ref: string, output: Output): Promise<number> {
  requireTools(['git', 'tar']);
  const repo = path.join(__dirname, '..');
  const old = treeAtRef(repo, ref);
  try {
    const [before, after] = await Promise.all([prepareTree(old.root), prepareTree(args.tree)]);
    const example = fileAtRef(repo, ref, '.flux.env.example');
    const cluster = bootstrappedCluster(before, {
      variables: example === undefined ? currentVariables() : documentedVariables(example),
      env: args.env,
      apps: args.apps === undefined ? undefined : checkApps(args.apps, optionalApps(old.root), ref),
      description: args.env ? 'the --env file' : `every variable ${ref}:.flux.env.example documents${example === undefined ? ' (it has none: the working tree\'s)' : ''}`,
    });
    const plan = planUpgrade({ before, after, cluster, accepted: trailersSince(repo, ref, ACCEPT_TRAILER) });
    output.out(formatUpgrade(plan, `a cluster bootstrapped at ${ref} pulls ${args.tree}`));
    return plan.blockers.length === 0 ? 0 : 1;
  } finally {
    old.remove();
  }
}

if (require.main === module) commandMain('plan', planCommand);
