/**
 * `npm run validate`: checks a synthesized tree the way the clusters will read it. Usage:
 * `node -r ./scripts/lib/ts-loader.js scripts/validate.ts [tree]` (default dist/flux2). Prints one line per
 * problem (file: Kind namespace/name: field: message) and exits 1 if there is any.
 */
import { GeneratedSecret } from '../constructs/generated-secret';
import { buildApp } from '../main';
import { contextOf } from './validation/context';
import { formatProblem } from './validation/problem';
import { validateTree } from './validation/validate-tree';

async function main(argv: readonly string[]): Promise<number> {
  const root = argv[0] ?? 'dist/flux2';
  const context = contextOf(GeneratedSecret.all(buildApp()));
  const report = await validateTree(root, { context });
  for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
  if (report.problems.length > 0) {
    process.stderr.write(`${root}: ${report.problems.length} problem(s); fix them in the constructs and synthesize again\n`);
    return 1;
  }
  process.stdout.write(`${root}: ${report.objects} objects in ${report.directories} directories are valid\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => {
    process.stderr.write(`validate: ${e.message}\n`);
    process.exitCode = 2;
  },
);
