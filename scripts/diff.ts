/**
 * `npm run diff -- <git-ref>`: what merging the working tree would change on clusters, object by
 * object: the committed dist/flux2 at <git-ref> (CI keeps it equal to that ref's synth) against a
 * fresh synth of the working tree. Exit 0 when nothing changed, 1 when something did, 2 on error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ComponentDefinition } from '../constructs/component';
import { renderTree, writeTree } from '../constructs/tree-writer';
import { buildApp } from '../main';
import { diffTrees } from './diff/diff-trees';
import { treeAtRef } from './diff/git-tree';
import { parseArgs } from './lib/args';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';

export const DIFF_USAGE = 'usage: npm run diff -- <git-ref>   (e.g. origin/main)\n';

/** The command; `definitions` replaces the discovered components (tests). */
export async function diffCommand(argv: readonly string[], output: Output, definitions?: readonly ComponentDefinition<any>[]): Promise<number> {
  const args = parseArgs(argv, { usage: DIFF_USAGE, positionals: { min: 1, max: 1, name: '<git-ref>' } });
  if (args.help) {
    output.out(DIFF_USAGE);
    return 0;
  }
  const ref = args.positionals[0];
  requireTools(['git', 'tar']);
  const old = treeAtRef(path.join(__dirname, '..'), ref);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-work-'));
  try {
    const files = renderTree(buildApp(definitions));
    requireTools(['kubectl']);
    writeTree(files, path.join(work, 'flux2'));
    const diff = await diffTrees(`dist/flux2 ${ref} -> working tree`, old.root, path.join(work, 'flux2'));
    output.out(diff.text);
    return diff.changes.length === 0 ? 0 : 1;
  } finally {
    old.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) commandMain('diff', diffCommand);
