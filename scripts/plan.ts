/**
 * `npm run plan -- [--tree DIR] [--env FILE] [--apps a,b | --all-apps]`: simulates bootstrap and
 * Flux on one cluster, offline, and prints the waves of what gets installed and anything that
 * would fail (see scripts/plan/events.ts for the wave model). Exit 0 when the plan is clean,
 * 1 when something would fail, 2 on bad arguments, a refused env file or an unreadable tree.
 */
import { ComponentDefinition } from '../constructs/component';
import { GeneratedSecret } from '../constructs/generated-secret';
import { buildApp } from '../main';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';
import { parseArguments, PLAN_USAGE, withGeneratedSecrets } from './plan/cli-input';
import { formatPlan } from './plan/report';
import { planCluster, prepareTree } from './plan/simulate';

/** The command; `definitions` replaces the discovered components (tests). */
export async function planCommand(argv: readonly string[], output: Output, definitions?: readonly ComponentDefinition<any>[]): Promise<number> {
  const args = parseArguments(argv);
  if (args.help) {
    output.out(PLAN_USAGE);
    return 0;
  }
  for (const warning of args.warnings) output.err(`${warning}\n`);
  const input = withGeneratedSecrets(args.input, GeneratedSecret.all(buildApp(definitions)));
  requireTools(['kubectl']);
  const plan = planCluster(await prepareTree(args.tree), input);
  output.out(formatPlan(plan));
  return plan.problems.length === 0 ? 0 : 1;
}

if (require.main === module) commandMain('plan', planCommand);
