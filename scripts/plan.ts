/**
 * `npm run plan -- [--tree DIR] [--env FILE] [--apps a,b | --all-apps]`: simulates bootstrap and
 * Flux on one cluster, offline, and prints the waves of what gets installed and anything that
 * would fail (see scripts/plan/events.ts for the wave model). Exit 0 when the plan is clean,
 * 1 when something would fail, 2 on bad arguments or an unreadable tree.
 */
import { parseArguments } from './plan/cli-input';
import { formatPlan } from './plan/report';
import { planCluster, prepareTree } from './plan/simulate';

async function main(argv: readonly string[]): Promise<number> {
  const { tree, input } = parseArguments(argv);
  const plan = planCluster(await prepareTree(tree), input);
  process.stdout.write(formatPlan(plan));
  return plan.problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => {
    process.stderr.write(`plan: ${e.message}\n`);
    process.exitCode = 2;
  },
);
