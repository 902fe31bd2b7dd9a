/**
 * `npm run validate [-- TREE]`: checks a synthesized tree (default dist/flux2) the way the clusters
 * will read it. Prints one line per problem (file: Kind namespace/name: field: message) and exits
 * 1 if there is any; 2 when it cannot run (bad arguments, not a tree, a missing tool, a component
 * that fails to build).
 */
import { ComponentDefinition } from '../constructs/component';
import { GeneratedSecret } from '../constructs/generated-secret';
import { buildApp } from '../main';
import { parseArgs } from './lib/args';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';
import { requireSynthesizedTree } from './lib/tree-dir';
import { contextOf } from './validation/context';
import { formatProblem } from './validation/problem';
import { validateTree } from './validation/validate-tree';

export const VALIDATE_USAGE = `usage: npm run validate [-- TREE]
  TREE   the synthesized tree to check (default dist/flux2)
`;

/** The command; `definitions` replaces the discovered components (tests). */
export async function validateCommand(argv: readonly string[], output: Output, definitions?: readonly ComponentDefinition<any>[]): Promise<number> {
  const args = parseArgs(argv, { usage: VALIDATE_USAGE, positionals: { max: 1, name: 'TREE' } });
  if (args.help) {
    output.out(VALIDATE_USAGE);
    return 0;
  }
  const root = args.positionals[0] ?? 'dist/flux2';
  requireSynthesizedTree(root);
  const context = contextOf(GeneratedSecret.all(buildApp(definitions)));
  requireTools(['kubectl']);
  const report = await validateTree(root, { context });
  for (const problem of report.problems) output.out(`${formatProblem(problem)}\n`);
  if (report.problems.length > 0) {
    output.err(`${root}: ${report.problems.length} problem(s); fix them in the constructs and synthesize again\n`);
    return 1;
  }
  output.out(`${root}: ${report.objects} objects in ${report.directories} directories are valid\n`);
  return 0;
}

if (require.main === module) commandMain('validate', validateCommand);
